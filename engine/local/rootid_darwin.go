package local

import (
	"fmt"
	"os"
	"syscall"
)

// rootIdentity identifies the directory at path: its inode number and birth time. ""
// when path does not exist.
func rootIdentity(path string) string {
	info, err := os.Lstat(path)
	if err != nil {
		return ""
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("ino:%d,birth:%d.%09d", st.Ino, st.Birthtimespec.Sec, st.Birthtimespec.Nsec)
}
