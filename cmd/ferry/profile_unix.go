//go:build !windows

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// notifySnapshot delivers SIGUSR1, which asks for a heap snapshot.
func notifySnapshot(c chan os.Signal) { signal.Notify(c, syscall.SIGUSR1) }
