package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ferrysync/ferry/engine/url"
	"github.com/ferrysync/ferry/protocol"
)

// Files in the data directory.
const (
	socketName = "daemon.sock"
	lockName   = "daemon.lock"
	logName    = "daemon.log"
)

// DataDir returns ferry's data directory: $FERRY_DATA_DIR, or .ferry in $HOME.
func DataDir() (string, error) {
	if d := os.Getenv("FERRY_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	home := os.Getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("cannot find the home directory: set HOME or FERRY_DATA_DIR")
		}
		home = h
	}
	return filepath.Join(home, ".ferry"), nil
}

// EnsureDataDir creates the data directory with mode 0700, and tightens an existing
// one that others can read.
func EnsureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		if IsDenied(err) {
			return AccessError(dir)
		}
		return fmt.Errorf("creating the data directory: %w", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		if IsDenied(err) {
			return AccessError(dir)
		}
		return err
	}
	if err := ownerError(dir, info); err != nil {
		return err
	}
	if info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("the data directory %s is readable by others and cannot be made private: %w", dir, err)
		}
	}
	return nil
}

// SocketPath is the daemon's socket in dir.
func SocketPath(dir string) string { return filepath.Join(dir, socketName) }

// LogPath is where a detached daemon writes its log.
func LogPath(dir string) string { return filepath.Join(dir, logName) }

// checkAbsolute refuses relative local paths among a sync session's endpoints: the
// daemon's working directory is not the client's, so only the client can resolve
// them (the CLI does, against its own).
func checkAbsolute(alpha, beta string) error {
	for _, e := range []struct{ side, url string }{{"alpha", alpha}, {"beta", beta}} {
		if isRelativeLocal(e.url) {
			return rpcError(protocol.CodeInvalidArgument,
				"%s: %q is a relative path, which the daemon cannot resolve (its working directory is not yours); pass an absolute path", e.side, e.url)
		}
	}
	return nil
}

// isRelativeLocal reports whether s names a local path relative to a working
// directory (not absolute, not "~", not a Windows drive path).
func isRelativeLocal(s string) bool {
	u, err := url.ParseWithCwd(s, "/")
	if err != nil || !u.IsLocal() {
		return false
	}
	if filepath.IsAbs(s) || strings.HasPrefix(s, "/") || s == "~" || strings.HasPrefix(s, "~/") {
		return false
	}
	drive := len(s) >= 3 && s[1] == ':' && (s[2] == '/' || s[2] == '\\') &&
		('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z')
	return !drive
}

// Running reports whether a daemon holds dir's lock.
func Running(dir string) (bool, error) {
	f, err := lockFile(filepath.Join(dir, lockName))
	if errors.Is(err, ErrRunning) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	f.Close()
	return false, nil
}
