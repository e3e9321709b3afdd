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

// flushStaged makes staged contents durable before the first of them lands: where
// the staging synced its few files as it wrote them, only their directories; else one
// syncfs of the staging area's file system.
func (t *Transitioner) flushStaged() {
	t.flushed = true
	all, dirs := t.area.Durability()
	if !all {
		syncDirs(dirs)
		return
	}
	f, err := os.Open(t.area.Dir())
	if err != nil {
		return
	}
	defer f.Close()
	unix.Syncfs(int(f.Fd()))
}

// syncDirs makes the entries of directories durable.
func syncDirs(dirs []string) {
	for _, d := range dirs {
		if f, err := os.Open(d); err == nil {
			f.Sync()
			f.Close()
		}
	}
}
