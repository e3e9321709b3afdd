package local

import (
	"fmt"
	"os"
	"syscall"
)

// rootIdentity identifies the directory at path by its creation time. "" when path
// does not exist.
func rootIdentity(path string) string {
	info, err := os.Lstat(path)
	if err != nil {
		return ""
	}
	d, ok := info.Sys().(*syscall.Win32FileAttributeData)
	if !ok {
		return ""
	}
	return fmt.Sprintf("created:%d", d.CreationTime.Nanoseconds())
}
