package transition

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// rename moves src to dst atomically; with noReplace it fails with fs.ErrExist if dst
// exists (renamex_np RENAME_EXCL).
func rename(src, dst string, noReplace bool) error {
	if !noReplace {
		return os.Rename(src, dst)
	}
	if err := unix.RenamexNp(src, dst, unix.RENAME_EXCL); err != nil {
		return &os.LinkError{Op: "rename", Old: src, New: dst, Err: err}
	}
	return nil
}

func isCrossDevice(err error) bool { return errors.Is(err, syscall.EXDEV) }

func isNotEmpty(err error) bool {
	return errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST)
}

// isUnsupported reports whether a no-replace rename failed because the file system
// cannot refuse to replace (RENAME_EXCL unsupported: some network shares, FAT).
func isUnsupported(err error) bool {
	return errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS)
}

// syncDir makes the entries of a directory durable.
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		unix.Fsync(int(f.Fd()))
		f.Close()
	}
}

// syncFileSystem: macOS has no sync of one file system that waits for it.
func syncFileSystem(string) bool { return false }
