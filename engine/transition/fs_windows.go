package transition

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/windows"
)

// rename moves src to dst atomically; with noReplace it fails with fs.ErrExist if dst
// exists (MoveFileEx without MOVEFILE_REPLACE_EXISTING).
func rename(src, dst string, noReplace bool) error {
	if !noReplace {
		return openFileError(os.Rename(src, dst))
	}
	from, err := windows.UTF16PtrFromString(src)
	if err != nil {
		return err
	}
	to, err := windows.UTF16PtrFromString(dst)
	if err != nil {
		return err
	}
	if err := windows.MoveFileEx(from, to, 0); err != nil {
		if errors.Is(err, windows.ERROR_ALREADY_EXISTS) || errors.Is(err, windows.ERROR_FILE_EXISTS) {
			err = os.ErrExist
		}
		return openFileError(&os.LinkError{Op: "rename", Old: src, New: dst, Err: err})
	}
	return nil
}

// errOpenElsewhere explains why Windows refuses to replace a file: another program
// holds it open without sharing deletion (an editor, a compiler, a virus scanner). The
// path is reported and retried by the next cycles; nothing is replaced meanwhile.
var errOpenElsewhere = errors.New("Windows refused to replace the file: another program has it open (or it is read-only); it is retried")

// openFileError names a sharing violation for what it is, keeping the system's
// error beside it.
func openFileError(err error) error {
	if errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_LOCK_VIOLATION) ||
		errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return fmt.Errorf("%w (%v)", errOpenElsewhere, err)
	}
	return err
}

func isCrossDevice(err error) bool { return errors.Is(err, windows.ERROR_NOT_SAME_DEVICE) }

func isNotEmpty(err error) bool {
	return errors.Is(err, windows.ERROR_DIR_NOT_EMPTY) || errors.Is(err, syscall.ENOTEMPTY)
}

// isUnsupported: MoveFileEx without MOVEFILE_REPLACE_EXISTING refuses to replace on
// every Windows file system.
func isUnsupported(error) bool { return false }

// syncDir: Windows keeps directory entries with the files' own metadata.
func syncDir(string) {}

// syncFileSystem: Windows has no sync of one file system short of opening the volume.
func syncFileSystem(string) bool { return false }
