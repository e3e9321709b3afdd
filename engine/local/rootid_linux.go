package local

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// rootIdentity identifies the directory at path: its inode number and, where the file
// system records it, its birth time (an inode number alone may be reused by a
// directory made right after another was deleted). "" when path does not exist.
func rootIdentity(path string) string {
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_INO|unix.STATX_BTIME, &st); err != nil {
		return ""
	}
	if st.Mask&unix.STATX_BTIME == 0 {
		return fmt.Sprintf("ino:%d", st.Ino)
	}
	return fmt.Sprintf("ino:%d,birth:%d.%09d", st.Ino, st.Btime.Sec, st.Btime.Nsec)
}
