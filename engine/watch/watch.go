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
//   - Changes, Take and Close may be called from any goroutine.
package watch

import (
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

// rootPollInterval is how often a watcher whose root vanished checks for its return.
const rootPollInterval = 500 * time.Millisecond

// Watcher watches one root.
type Watcher struct {
	root   string
	ignore *ignore.Matcher
	fsw    *fsnotify.Watcher
	notify chan struct{}
	done   chan struct{}
	wg     sync.WaitGroup

	mu       sync.Mutex
	dirty    map[string]bool
	full     bool
	rootGone bool
	problem  string
}

// Start begins watching root. The watcher reports a full rescan first, so the caller's
// initial scan needs no special case.
func Start(root string, ign *ignore.Matcher) (*Watcher, error) {
	if !nativeSupported {
		return nil, fmt.Errorf("%w on this operating system", ErrUnavailable)
	}
	fsw, err := fsnotify.NewBufferedWatcher(4096)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	w := &Watcher{
		root: root, ignore: ign, fsw: fsw,
		notify: make(chan struct{}, 1), done: make(chan struct{}),
		dirty: map[string]bool{}, full: true,
	}
	if err := w.addTree(root); err != nil && !errors.Is(err, fs.ErrNotExist) {
		fsw.Close()
		return nil, err
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
		if rel != "" && w.ignore.Ignored(rel, true) {
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
			w.handle(ev)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.mu.Lock()
			w.full = true
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				w.problem = fmt.Sprintf("watcher error: %v", err)
			}
			w.mu.Unlock()
			w.signal()
		}
	}
}

func (w *Watcher) handle(ev fsnotify.Event) {
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
	if w.ignore.Ignored(rel, false) && w.ignore.Ignored(rel, true) {
		return
	}
	recursive := false
	if ev.Has(fsnotify.Create) {
		recursive = true
		if info, err := os.Lstat(ev.Name); err == nil && info.IsDir() && !w.ignore.Ignored(rel, true) {
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
