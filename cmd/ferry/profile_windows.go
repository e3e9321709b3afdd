package main

import "os"

// notifySnapshot: Windows has no SIGUSR1; snapshots are not offered there.
func notifySnapshot(chan os.Signal) {}
