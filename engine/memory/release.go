// Package memory returns a process's freed memory to the system once a burst of work
// is over, so a daemon or agent that goes back to watching holds about what it uses.
package memory

import (
	"runtime/debug"
	"sync"
	"time"
)

// Long is how long a piece of work runs before its garbage is worth returning at once:
// a first sync or a full rescan allocates much that a watching session never needs
// again.
const Long = 500 * time.Millisecond

// quiet is how long after the last long piece of work the memory is returned: long
// enough for what follows a cycle (the ancestor is written in the background, at most
// once a second) to have made its garbage too.
const quiet = 2500 * time.Millisecond

var (
	mu    sync.Mutex
	timer *time.Timer
)

// ReleaseAfter notes a piece of work that took took; after a long one, the memory it
// freed goes back to the system once the process has been quiet for a moment (each
// long piece of work restarts that wait, so a busy process is not slowed by it).
func ReleaseAfter(took time.Duration) {
	if took < Long {
		return
	}
	release(quiet, debug.FreeOSMemory)
}

func release(after time.Duration, free func()) {
	mu.Lock()
	defer mu.Unlock()
	if timer != nil {
		timer.Stop()
	}
	timer = time.AfterFunc(after, free)
}
