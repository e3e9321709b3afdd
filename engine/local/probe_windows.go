package local

import (
	"errors"
	"io/fs"

	"golang.org/x/sys/windows"
)

// renameNoReplace renames without replacing, as transitions do (MoveFileEx without
// MOVEFILE_REPLACE_EXISTING).
func renameNoReplace(src, dst string) error {
	s, err := windows.UTF16PtrFromString(src)
	if err != nil {
		return err
	}
	d, err := windows.UTF16PtrFromString(dst)
	if err != nil {
		return err
	}
	err = windows.MoveFileEx(s, d, 0)
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) || errors.Is(err, windows.ERROR_FILE_EXISTS) {
		return fs.ErrExist
	}
	return err
}
