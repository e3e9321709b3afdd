//go:build !linux && !darwin && !windows

package local

import (
	"fmt"
	"os"
	"syscall"
)

// rootIdentity identifies the directory at path by its inode number. "" when path
// does not exist.
func rootIdentity(path string) string {
	info, err := os.Lstat(path)
	if err != nil {
		return ""
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("ino:%d", st.Ino)
	}
	return ""
}
