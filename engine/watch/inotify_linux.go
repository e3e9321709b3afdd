package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/fsnotify/fsnotify"

	"github.com/ferrysync/ferry/engine/scan"
)

// inotify watches every directory of the root through fsnotify, adding watches as
// directories appear; the marker directory is watched by the same instance.
type inotify struct {
	w   *Watcher
	fsw *fsnotify.Watcher
}

func startNative(w *Watcher) error {
	fsw, err := fsnotify.NewBufferedWatcher(4096)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	in := &inotify{w: w, fsw: fsw}
	w.native, w.name = in, "inotify"
	if err := in.addTree(w.root); err != nil && !errors.Is(err, fs.ErrNotExist) {
		fsw.Close()
		return err
	}
	if w.opts.MarkerDir != "" {
		err := w.prepareMarkers()
		if err == nil {
			err = fsw.Add(w.opts.MarkerDir)
		}
		if err != nil {
			w.noMarkers(err)
		}
	}
	if _, err := os.Stat(w.root); err != nil {
		w.mu.Lock()
		w.loseRoot()
		w.mu.Unlock()
	}
	w.wg.Add(1)
	go in.run()
	return nil
}

func (in *inotify) flush()          {}
func (in *inotify) reattach() error { return in.addTree(in.w.root) }
func (in *inotify) close() error    { return in.fsw.Close() }

func (in *inotify) rel(abs string) (string, bool) {
	root := in.w.root
	if abs == root {
		return "", true
	}
	r, err := filepath.Rel(root, abs)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

// addTree adds watches on dir and every directory below it that is not ignored.
func (in *inotify) addTree(dir string) error {
	ig := in.w.opts.Ignore
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
		rel, ok := in.rel(p)
		if !ok {
			return filepath.SkipDir
		}
		if rel != "" && ig.Ignored(rel, true) {
			return filepath.SkipDir
		}
		if err := in.fsw.Add(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("%w: watching %s: %v%s", ErrUnavailable, p, err, limitHint(err))
		}
		return nil
	})
}

func (in *inotify) run() {
	w := in.w
	defer w.wg.Done()
	for {
		select {
		case <-w.done:
			return
		case ev, ok := <-in.fsw.Events:
			if !ok {
				return
			}
			if !w.delay() {
				return
			}
			in.handle(ev)
		case err, ok := <-in.fsw.Errors:
			if !ok {
				return
			}
			b := batch{dropped: true}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				b.problem = fmt.Sprintf("watcher error: %v", err)
			}
			w.record(b)
		}
	}
}

func (in *inotify) handle(ev fsnotify.Event) {
	w := in.w
	if w.opts.MarkerDir != "" && filepath.Dir(ev.Name) == w.opts.MarkerDir {
		if ev.Has(fsnotify.Create) {
			w.markerSeen(filepath.Base(ev.Name))
		}
		return
	}
	rel, ok := in.rel(ev.Name)
	if !ok {
		return
	}
	if rel == "" {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			w.mu.Lock()
			w.loseRoot()
			w.mu.Unlock()
			w.signal()
		}
		return
	}
	_, name := filepath.Split(ev.Name)
	if strings.HasPrefix(name, scan.TempPrefix) {
		return
	}
	ig := w.opts.Ignore
	if ig.Ignored(rel, false) && ig.Ignored(rel, true) {
		return
	}
	recursive := false
	if ev.Has(fsnotify.Create) {
		recursive = true
		if info, err := os.Lstat(ev.Name); err == nil && info.IsDir() && !ig.Ignored(rel, true) {
			if err := in.addTree(ev.Name); err != nil {
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

// limitHint explains an inotify watch-limit failure.
func limitHint(err error) string {
	if !errors.Is(err, syscall.ENOSPC) {
		return ""
	}
	limit, _ := os.ReadFile("/proc/sys/fs/inotify/max_user_watches")
	return " (the inotify watch limit fs.inotify.max_user_watches=" + strings.TrimSpace(string(limit)) +
		" is reached; raise it with sysctl, or ignore large directories)"
}
