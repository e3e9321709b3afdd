package server

import (
	"errors"
	"fmt"
	"io/fs"
)

// AccessError explains a "permission denied" met on the way to the socket of dir.
func AccessError(dir string) error {
	return fmt.Errorf("cannot connect to the ferry daemon's socket %s: permission denied; check the permissions of %s, or set FERRY_DATA_DIR to a directory of your own", SocketPath(dir), dir)
}

// IsDenied reports whether err is a permission error.
func IsDenied(err error) bool { return errors.Is(err, fs.ErrPermission) }

// ownerError: the data directory's ACL protects it on Windows.
func ownerError(string, fs.FileInfo) error { return nil }
