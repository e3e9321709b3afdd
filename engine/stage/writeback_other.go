//go:build !linux

package stage

import "os"

// startWriteback: elsewhere the flush before the transition does all the work.
func startWriteback(*os.File) {}

// umaskStrips: elsewhere the umask is not read; assume it strips (a chmod follows).
func umaskStrips(os.FileMode) bool { return true }

// syncData makes a staged file's data durable.
func syncData(f *os.File) error { return f.Sync() }
