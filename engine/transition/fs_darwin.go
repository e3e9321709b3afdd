package transition

import (
	"errors"
	"os"
	"path/filepath"
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

// flushStaged makes staged contents durable before the first of them lands.
func (t *Transitioner) flushStaged() {
	t.flushed = true
	all, dirs := t.area.Durability()
	if all {
		// Every staged file, in every shard directory.
		shards, _ := os.ReadDir(t.area.Dir())
		for _, sh := range shards {
			dir := filepath.Join(t.area.Dir(), sh.Name())
			files, _ := os.ReadDir(dir)
			for _, e := range files {
				if f, err := os.OpenFile(filepath.Join(dir, e.Name()), os.O_RDWR, 0); err == nil {
					f.Sync()
					f.Close()
				}
			}
			dirs = append(dirs, dir)
		}
	}
	syncDirs(dirs)
}

// isUnsupported reports whether a no-replace rename failed because the file system
// cannot refuse to replace (RENAME_EXCL unsupported: some network shares, FAT).
func isUnsupported(err error) bool {
	return errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS)
}

// syncDirs makes the entries of directories durable.
func syncDirs(dirs []string) {
	for _, d := range dirs {
		if f, err := os.Open(d); err == nil {
			unix.Fsync(int(f.Fd()))
			f.Close()
		}
	}
}
