//go:build !windows

package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// AccessError explains a "permission denied" met on the way to the socket of dir:
// which path, whose it is, its mode, and what to do.
func AccessError(dir string) error {
	culprit, need := deniedPath(dir)
	if culprit == "" {
		return fmt.Errorf("cannot connect to the ferry daemon's socket %s: permission denied; check the permissions of %s, or set FERRY_DATA_DIR to a directory of your own", SocketPath(dir), dir)
	}
	what := "the ferry data directory"
	if culprit == SocketPath(dir) {
		what = "the ferry daemon's socket"
	} else if culprit != dir {
		what = "a parent of the ferry data directory " + dir + ","
	}
	owner, mode := "someone else", "unknown"
	var st syscall.Stat_t
	if err := syscall.Stat(culprit, &st); err == nil {
		owner, mode = userName(int(st.Uid)), fmt.Sprintf("%04o", st.Mode&0o7777)
	}
	me := os.Getuid()
	fix := "run ferry as that user, or set FERRY_DATA_DIR to a directory of your own"
	if owner == userName(me) {
		fix = fmt.Sprintf("give yourself access again (chmod u+rwx %s), or set FERRY_DATA_DIR to another directory", culprit)
	}
	return fmt.Errorf("permission denied: you (%s) lack %s permission on %s %s, which belongs to %s with mode %s; %s",
		userName(me), need, what, culprit, owner, mode, fix)
}

// deniedPath finds the first path on the way to dir's socket that the user may not
// use: a directory it cannot search, or the socket it cannot write. need says which
// permission is missing. It returns "" when it finds none.
func deniedPath(dir string) (path, need string) {
	var chain []string
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		chain = append([]string{p}, chain...)
		if p == filepath.Dir(p) {
			break
		}
	}
	for _, p := range chain {
		if err := unix.Access(p, unix.X_OK); err == unix.EACCES || err == unix.EPERM {
			return p, "search (x)"
		}
	}
	sock := SocketPath(dir)
	if err := unix.Access(sock, unix.W_OK); err == unix.EACCES || err == unix.EPERM {
		return sock, "write (w)"
	}
	return "", ""
}

// IsDenied reports whether err is a permission error.
func IsDenied(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}

// ownerError refuses a data directory that belongs to another user (root may use
// anyone's): its daemon is theirs, and its files are not the user's to change.
func ownerError(dir string, info os.FileInfo) error {
	st, ok := info.Sys().(*syscall.Stat_t)
	me := os.Getuid()
	if !ok || int(st.Uid) == me || me == 0 {
		return nil
	}
	return fmt.Errorf("the ferry data directory %s belongs to %s (mode %04o), not to you (%s); run ferry as that user, or set FERRY_DATA_DIR to a directory of your own",
		dir, userName(int(st.Uid)), st.Mode&0o7777, userName(me))
}
