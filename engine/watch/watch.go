// Package watch reports which paths under a synchronization root changed, so scans can
// re-read only those.
//
// Each system has its own native backend, all recording into one dirty set:
//   - Linux: inotify through fsnotify, a watch per directory, adding watches as
//     directories appear (inotify_linux.go).
//   - macOS: FSEvents through CoreServices, one recursive stream with file-level
//     events, called without cgo (fsevents_darwin.go; the translation of its events
//     is pure Go in fsevents.go).
//   - Windows: ReadDirectoryChangesW with the subtree flag on the root, plus a watch
//     on the root's parent for the root's own name (rdcw_windows.go; the decoding and
//     translation of its records is pure Go in rdcw.go).
//
// Elsewhere, and wherever native watching fails (for instance when the inotify watch
// limit is reached), the caller polls instead; Start says so with an error wrapping
// ErrUnavailable.
//
// Invariants:
//   - A change is never lost silently: when the watcher cannot say precisely what
//     changed (queue overflow, dropped events, the root replaced), it reports that a
//     full rescan is due.
//   - A directory that appears is reported recursively, since events inside it may
//     have preceded its watch (or, with FSEvents, a folder moved in from outside
//     brings no event for its contents).
//   - Events below an ignored directory are never reported (recursive backends see
//     them; each ancestor is checked).
//   - Barrier is a flush barrier: when it returns nil, every change made under the root
//     before it was called is in what Take returns. inotify delivers the events of one
//     instance in the order they happened, and FSEvents delivers one stream's events
//     in event-id order, so Barrier writes a marker file in a ferry-owned directory
//     watched by the same instance or stream (never in the user's tree) and waits
//     until the marker's event has been handled. ReadDirectoryChangesW orders events
//     per directory handle only, and the marker directory is not under the root, so on
//     Windows Barrier returns ErrNoBarrier and the caller scans fully.
//   - Changes, Take, Barrier and Close may be called from any goroutine.
package watch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/ignore"
)

// ErrUnavailable is wrapped by Start when native watching cannot work for this root.
var ErrUnavailable = errors.New("native file watching unavailable")

// ErrNoBarrier is returned by Barrier when the watcher cannot promise that it has seen
// every earlier change (no marker directory, an overflow, a marker that never came
// back, a backend without ordering across directories); the caller scans fully
// instead.
var ErrNoBarrier = errors.New("the watcher cannot vouch for earlier changes")

// rootPollInterval is how often a watcher whose root vanished checks for its return.
const rootPollInterval = 500 * time.Millisecond

// barrierTimeout bounds the wait for a marker's event. It is not a timing
// assumption: a barrier that gives up returns ErrNoBarrier and the caller scans fully,
// which is always correct.
const barrierTimeout = 10 * time.Second

// markerPrefix starts the names of barrier markers.
const markerPrefix = "barrier-"

// Options configure a watcher.
type Options struct {
	// Ignore leaves ignored paths out of what is reported.
	Ignore *ignore.Matcher
	// MarkerDir is a directory private to ferry, outside the root, where Barrier writes
	// its markers (created when missing); "" disables Barrier.
	MarkerDir string
	// EventDelay is a test seam: each event is handled this long after it arrives, as
	// on a machine too busy to keep up. Zero in production.
	EventDelay time.Duration
}

// backend is a system's native watcher. It records into its Watcher through the
// Watcher's methods below.
type backend interface {
	// flush asks the system to deliver the events it holds back now; Barrier calls it
	// after writing a marker, without holding the Watcher's lock. It may do nothing.
	flush()
	// reattach watches the root again once it is back after a loss.
	reattach() error
	// close stops the backend; no event is recorded after it returns.
	close() error
}

// Watcher watches one root.
type Watcher struct {
	root   string
	opts   Options
	native backend
	notify chan struct{}
	done   chan struct{}
	wg     sync.WaitGroup
	// name says which native watcher this is, for the endpoint's description.
	name string
	// noBarrier, when set, is why Barrier cannot work with this backend.
	noBarrier string

	mu       sync.Mutex
	dirty    map[string]bool
	full     bool
	rootGone bool
	problem  string
	markers  map[string]chan struct{} // barriers waiting for their marker, by file name
	markerN  uint64
}

// Start begins watching root. The watcher reports a full rescan first, so the caller's
// initial scan needs no special case.
func Start(root string, opts Options) (*Watcher, error) {
	w := &Watcher{
		root: root, opts: opts,
		notify: make(chan struct{}, 1), done: make(chan struct{}),
		dirty: map[string]bool{}, full: true, markers: map[string]chan struct{}{},
	}
	if err := startNative(w); err != nil {
		return nil, err
	}
	w.signal()
	return w, nil
}

// Name says which native watcher watches the root ("inotify", "FSEvents",
// "ReadDirectoryChangesW").
func (w *Watcher) Name() string { return w.name }

// Changes receives a value whenever there is something to Take (coalesced).
func (w *Watcher) Changes() <-chan struct{} { return w.notify }

// Take returns and clears what changed since the last Take: paths (mapped to true when
// everything below them must be re-read too), or full when only a full rescan will do.
func (w *Watcher) Take() (paths map[string]bool, full bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	paths, full = w.dirty, w.full
	w.dirty, w.full = map[string]bool{}, false
	return paths, full
}

// prepareMarkers creates the marker directory and empties it of markers a previous
// process left. A backend that cannot prepare it calls noMarkers.
func (w *Watcher) prepareMarkers() error {
	dir := w.opts.MarkerDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, markerPrefix+"*"))
	for _, p := range old {
		os.Remove(p)
	}
	return nil
}

// noMarkers disables Barrier after the marker directory could not be watched:
// flushes scan fully instead; watching itself works.
func (w *Watcher) noMarkers(err error) {
	w.opts.MarkerDir = ""
	w.problem = fmt.Sprintf("flushes rescan everything: %v", err)
}

// Barrier returns once every change made under the root before the call has been
// recorded for Take, or ErrNoBarrier when it cannot tell (the caller then scans
// fully). It costs a file creation and one event.
func (w *Watcher) Barrier(ctx context.Context) error {
	if w.noBarrier != "" {
		return fmt.Errorf("%w: %s", ErrNoBarrier, w.noBarrier)
	}
	if w.opts.MarkerDir == "" {
		return ErrNoBarrier
	}
	name, seen, err := w.placeMarker()
	if err != nil {
		return err
	}
	defer w.dropMarker(name)
	w.native.flush()
	return w.awaitMarker(ctx, name, seen)
}

// placeMarker registers a marker and writes its file.
func (w *Watcher) placeMarker() (string, chan struct{}, error) {
	w.mu.Lock()
	w.markerN++
	name := fmt.Sprintf("%s%d-%d", markerPrefix, os.Getpid(), w.markerN)
	seen := make(chan struct{})
	w.markers[name] = seen
	w.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(w.opts.MarkerDir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		w.dropMarker(name)
		return "", nil, fmt.Errorf("%w: writing a marker: %v", ErrNoBarrier, err)
	}
	f.Close()
	return name, seen, nil
}

// dropMarker forgets a marker and removes its file.
func (w *Watcher) dropMarker(name string) {
	w.mu.Lock()
	delete(w.markers, name)
	w.mu.Unlock()
	os.Remove(filepath.Join(w.opts.MarkerDir, name))
}

// awaitMarker waits until the marker's event has been handled.
func (w *Watcher) awaitMarker(ctx context.Context, name string, seen chan struct{}) error {
	timeout := time.NewTimer(barrierTimeout)
	defer timeout.Stop()
	select {
	case <-seen:
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.markers[name] == nil {
			return ErrNoBarrier // released by an overflow: only a full scan will do
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-w.done:
		return ErrNoBarrier
	case <-timeout.C:
		return fmt.Errorf("%w: the marker's event did not arrive", ErrNoBarrier)
	}
}

// markerSeen records that the creation of the marker file name was handled.
func (w *Watcher) markerSeen(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.markers[name]; ok {
		close(ch)
	}
}

// releaseMarkers ends every waiting barrier with ErrNoBarrier (under mu): after an
// overflow their markers' events may be lost, and a full rescan is due anyway.
func (w *Watcher) releaseMarkers() {
	for name, ch := range w.markers {
		close(ch)
		delete(w.markers, name)
	}
}

// Problem describes a degradation the user should know about ("" when none).
func (w *Watcher) Problem() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.problem
}

// Close stops watching.
func (w *Watcher) Close() error {
	select {
	case <-w.done:
		return nil
	default:
	}
	close(w.done)
	err := w.native.close()
	w.wg.Wait()
	return err
}

func (w *Watcher) signal() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// delay is the EventDelay test seam; false when the watcher closed meanwhile.
func (w *Watcher) delay() bool {
	d := w.opts.EventDelay
	if d <= 0 {
		return true
	}
	select {
	case <-time.After(d):
		return true
	case <-w.done:
		return false
	}
}

// record adds what a batch of events found to the dirty set and signals.
func (w *Watcher) record(b batch) {
	if b.empty() {
		return
	}
	w.mu.Lock()
	for p, recursive := range b.dirty {
		w.dirty[p] = w.dirty[p] || recursive
	}
	if b.full {
		w.full = true
	}
	if b.dropped {
		w.full = true
		w.releaseMarkers()
	}
	if b.problem != "" {
		w.problem = b.problem
	}
	w.mu.Unlock()
	for _, m := range b.markers {
		w.markerSeen(m)
	}
	if b.rootChanged {
		w.checkRoot()
	}
	w.signal()
}

// setProblem records a degradation and signals.
func (w *Watcher) setProblem(p string) {
	w.mu.Lock()
	w.problem = p
	w.mu.Unlock()
	w.signal()
}

// checkRoot handles a change of the root itself: a full rescan is due, and if the
// root is gone the watcher waits for its return.
func (w *Watcher) checkRoot() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.full = true
	if w.rootGone {
		return
	}
	if info, err := os.Stat(w.root); err == nil && info.IsDir() {
		return
	}
	w.loseRoot()
}

// loseRoot (under mu) marks the root gone and starts waiting for its return.
func (w *Watcher) loseRoot() {
	w.full = true
	if w.rootGone {
		return
	}
	w.rootGone = true
	w.wg.Add(1)
	go w.awaitRoot()
}

// awaitRoot polls for a vanished root and has the backend watch it again when it is
// back.
func (w *Watcher) awaitRoot() {
	defer w.wg.Done()
	t := time.NewTicker(rootPollInterval)
	defer t.Stop()
	for {
		select {
		case <-w.done:
			return
		case <-t.C:
		}
		if info, err := os.Stat(w.root); err != nil || !info.IsDir() {
			continue
		}
		err := w.native.reattach()
		w.mu.Lock()
		w.rootGone, w.full = false, true
		if err != nil {
			w.problem = err.Error()
		}
		w.mu.Unlock()
		w.signal()
		return
	}
}
