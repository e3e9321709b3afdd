package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

// ensureDataDir creates the data directory with mode 0700, and tightens an existing
// one that others can read.
func ensureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the data directory: %w", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
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
