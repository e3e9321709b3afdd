// Package watch reports which paths under a synchronization root changed, so scans can
// re-read only those.
//
// On Linux and Windows it watches every directory of the root natively (inotify through
// fsnotify), adding watches as directories appear. On macOS, and wherever native
// watching fails (for instance when the inotify watch limit is reached), the caller
// polls instead; Start says so with an error wrapping ErrUnavailable.
//
// Invariants:
//   - A change is never lost silently: when the watcher cannot say precisely what
//     changed (queue overflow, the root replaced), it reports that a full rescan is due.
//   - A directory that appears is reported recursively, since events inside it may
//     have preceded its watch.
//   - Barrier is a flush barrier: when it returns nil, every change made under the root
//     before it was called is in what Take returns. inotify delivers the events of one
//     instance in the order they happened, so Barrier writes a marker file in a
//     ferry-owned directory watched by the same instance (never in the user's tree)
//     and waits until the marker's event has been handled.
//   - Changes, Take, Barrier and Close may be called from any goroutine.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/ferrysync/ferry/engine/ignore"
	"github.com/ferrysync/ferry/engine/scan"
)

// ErrUnavailable is wrapped by Start when native watching cannot work for this root.
var ErrUnavailable = errors.New("native file watching unavailable")

// ErrNoBarrier is returned by Barrier when the watcher cannot promise that it has seen
// every earlier change (no marker directory, an overflow, a marker that never came
// back); the caller scans fully instead.
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

// Watcher watches one root.
type Watcher struct {
	root   string
	opts   Options
	fsw    *fsnotify.Watcher
	notify chan struct{}
	done   chan struct{}
	wg     sync.WaitGroup

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
	if !nativeSupported {
		return nil, fmt.Errorf("%w on this operating system", ErrUnavailable)
	}
	fsw, err := fsnotify.NewBufferedWatcher(4096)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	w := &Watcher{
		root: root, opts: opts, fsw: fsw,
		notify: make(chan struct{}, 1), done: make(chan struct{}),
		dirty: map[string]bool{}, full: true, markers: map[string]chan struct{}{},
	}
	if err := w.addTree(root); err != nil && !errors.Is(err, fs.ErrNotExist) {
		fsw.Close()
		return nil, err
	}
	if opts.MarkerDir != "" {
		if err := w.watchMarkers(); err != nil {
			// Flushes scan fully instead; watching itself works.
			w.opts.MarkerDir = ""
			w.problem = fmt.Sprintf("flushes rescan everything: %v", err)
		}
	}
	if _, err := os.Stat(root); err != nil {
		w.rootGone = true
		w.wg.Add(1)
		go w.awaitRoot()
	}
	w.wg.Add(1)
	go w.run()
	w.signal()
	return w, nil
}

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

// watchMarkers prepares the marker directory: created, emptied of markers a previous
// process left, and watched.
func (w *Watcher) watchMarkers() error {
	dir := w.opts.MarkerDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, markerPrefix+"*"))
	for _, p := range old {
		os.Remove(p)
	}
	return w.fsw.Add(dir)
}

// Barrier returns once every change made under the root before the call has been
// recorded for Take, or ErrNoBarrier when it cannot tell (the caller then scans
// fully). It costs a file creation and one event.
func (w *Watcher) Barrier(ctx context.Context) error {
	if w.opts.MarkerDir == "" {
		return ErrNoBarrier
	}
	name, seen, err := w.placeMarker()
	if err != nil {
		return err
	}
	defer w.dropMarker(name)
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

// marker handles an event in the marker directory.
func (w *Watcher) marker(ev fsnotify.Event) {
	if !ev.Has(fsnotify.Create) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.markers[filepath.Base(ev.Name)]; ok {
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
	err := w.fsw.Close()
	w.wg.Wait()
	return err
}

func (w *Watcher) signal() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

func (w *Watcher) rel(abs string) (string, bool) {
	if abs == w.root {
		return "", true
	}
	r, err := filepath.Rel(w.root, abs)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// addTree adds watches on dir and every directory below it that is not ignored.
func (w *Watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // vanished or unreadable: the scan reports it
		}
		if !d.IsDir() {
			return nil
		}
		rel, ok := w.rel(p)
		if !ok {
			return filepath.SkipDir
		}
		if rel != "" && w.opts.Ignore.Ignored(rel, true) {
			return filepath.SkipDir
		}
		if err := w.fsw.Add(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("%w: watching %s: %v%s", ErrUnavailable, p, err, limitHint(err))
		}
		return nil
	})
}

func (w *Watcher) run() {
	defer w.wg.Done()
	for {
		select {
		case <-w.done:
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if d := w.opts.EventDelay; d > 0 {
				select {
				case <-time.After(d):
				case <-w.done:
					return
				}
			}
			w.handle(ev)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.mu.Lock()
			w.full = true
			w.releaseMarkers()
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				w.problem = fmt.Sprintf("watcher error: %v", err)
			}
			w.mu.Unlock()
			w.signal()
		}
	}
}

func (w *Watcher) handle(ev fsnotify.Event) {
	if w.opts.MarkerDir != "" && filepath.Dir(ev.Name) == w.opts.MarkerDir {
		w.marker(ev)
		return
	}
	rel, ok := w.rel(ev.Name)
	if !ok {
		return
	}
	if rel == "" {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			w.mu.Lock()
			w.full = true
			if !w.rootGone {
				w.rootGone = true
				w.wg.Add(1)
				go w.awaitRoot()
			}
			w.mu.Unlock()
			w.signal()
		}
		return
	}
	_, name := filepath.Split(ev.Name)
	if strings.HasPrefix(name, scan.TempPrefix) {
		return
	}
	if w.opts.Ignore.Ignored(rel, false) && w.opts.Ignore.Ignored(rel, true) {
		return
	}
	recursive := false
	if ev.Has(fsnotify.Create) {
		recursive = true
		if info, err := os.Lstat(ev.Name); err == nil && info.IsDir() && !w.opts.Ignore.Ignored(rel, true) {
			if err := w.addTree(ev.Name); err != nil {
				w.mu.Lock()
				w.problem = err.Error()
				w.mu.Unlock()
			}
		}
	}
	w.mu.Lock()
	w.dirty[rel] = w.dirty[rel] || recursive
	w.mu.Unlock()
	w.signal()
}

// awaitRoot polls for a vanished root and re-establishes the watches when it is back.
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
		err := w.addTree(w.root)
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
