package transition

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// rename moves src to dst atomically; with noReplace it fails with fs.ErrExist if dst
// exists (renameat2 RENAME_NOREPLACE, or link and unlink where that is unsupported).
func rename(src, dst string, noReplace bool) error {
	if !noReplace {
		return os.Rename(src, dst)
	}
	err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		if err = os.Link(src, dst); err == nil {
			return os.Remove(src)
		}
		return err
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: src, New: dst, Err: err}
	}
	return nil
}

func isCrossDevice(err error) bool { return errors.Is(err, syscall.EXDEV) }

// isUnsupported reports whether a no-replace rename failed because the file system
// can do neither of the ways rename tries (exFAT: no RENAME_NOREPLACE, no hard links).
func isUnsupported(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS)
}

func isNotEmpty(err error) bool {
	return errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST)
}

// syncDir makes the entries of a directory durable.
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}

// syncFileSystem makes everything written to dir's file system durable (syncfs).
func syncFileSystem(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd())) == nil
}
