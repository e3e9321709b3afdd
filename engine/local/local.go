// Package local implements endpoint.Endpoint for a directory on this machine. The agent
// serves the same implementation on remote hosts.
//
// Invariants: those of package endpoint. In addition, every use of the scanner, the
// staging area and the transitioner happens under one mutex, so the poller and the
// session never interleave on them.
package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/stage"
	"github.com/ferrysync/ferry/engine/transition"
	"github.com/ferrysync/ferry/engine/trash"
	"github.com/ferrysync/ferry/engine/tree"
	"github.com/ferrysync/ferry/engine/watch"
)

// WatchMode says how an endpoint detects changes.
type WatchMode uint8

// The watch modes.
const (
	// WatchPortable watches natively where possible and polls elsewhere.
	WatchPortable WatchMode = iota
	// WatchForcePoll always polls.
	WatchForcePoll
	// WatchNone never looks for changes; cycles run only when flushed.
	WatchNone
)

var watchModeNames = []string{"portable", "force-poll", "no-watch"}

func (m WatchMode) String() string {
	if int(m) < len(watchModeNames) {
		return watchModeNames[m]
	}
	return fmt.Sprintf("watch-mode(%d)", uint8(m))
}

// ParseWatchMode returns the named mode; "" is portable.
func ParseWatchMode(s string) (WatchMode, error) {
	if s == "" {
		return WatchPortable, nil
	}
	for i, n := range watchModeNames {
		if n == s {
			return WatchMode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown watch mode %q: use portable, force-poll or no-watch", s)
}

// MarshalText implements encoding.TextMarshaler.
func (m WatchMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *WatchMode) UnmarshalText(b []byte) error {
	v, err := ParseWatchMode(string(b))
	*m = v
	return err
}

// DefaultPollInterval is how often a polling endpoint rescans.
const DefaultPollInterval = 10 * time.Second

// The digest cache is saved off the scans' path, by a timer: once the endpoint has
// been quiet for cacheSaveQuiet after a scan, and at the latest cacheSaveInterval after
// the last save while scans go on. A save of a million entries takes seconds; an edit
// made then must not wait for it. Variables for tests.
var (
	cacheSaveQuiet    = 5 * time.Second
	cacheSaveInterval = 30 * time.Second
)

// Options configure a local endpoint.
type Options struct {
	// Scan configures scanning (ignores, symlinks, limits, cache file).
	Scan scan.Options
	// StagingDir holds staged contents; it should be on the root's file system.
	StagingDir string
	// TrashDir keeps what transitions remove or overwrite, within Trash's limits.
	TrashDir string
	Trash    trash.Limits
	// ReplicaFile holds the replica identifier (made when missing); "" for none.
	ReplicaFile string
	// Watch selects how changes are detected.
	Watch WatchMode
	// PollInterval is the polling period; 0 means DefaultPollInterval.
	PollInterval time.Duration
	// Permissions are the modes and owner of what transitions create; the zero value
	// means transition.PortablePermissions.
	Permissions *transition.Permissions
	// MarkerDir is a private directory outside the root for the watcher's flush
	// barriers; "" makes every flush scan fully.
	MarkerDir string
	// LockFile is locked while the endpoint is open, so two processes never work on
	// its state (caches, staging, trash) at once: an agent still finishing after its
	// connection dropped, and the one the daemon starts next. "" for none.
	LockFile string
	// WatchEventDelay is a test seam slowing the watcher's event handling (see
	// watch.Options.EventDelay).
	WatchEventDelay time.Duration
	// onCacheSaved is a test seam called after each background save of the cache.
	onCacheSaved func()
}

func (o Options) permissions() transition.Permissions {
	if o.Permissions == nil {
		return transition.PortablePermissions
	}
	return *o.Permissions
}

// Endpoint is a local directory.
type Endpoint struct {
	opts    Options
	lock    *os.File // held while open; nil without Options.LockFile
	changes chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup
	watcher *watch.Watcher

	mu           sync.Mutex
	sc           *scan.Scanner
	area         *stage.Area
	bin          *trash.Bin
	tr           *transition.Transitioner
	watchDesc    string
	watchProblem string
	polled       *tree.Entry     // a poll's full scan not yet returned by Scan
	reported     *tree.Entry     // the tree Scan returned last
	marked       map[string]bool // paths ferry wrote outside a transition (restores), re-read by the next scan
	lastSave     time.Time
	saveTimer    *time.Timer // the cache's next save; nil when none is due
	saving       sync.Mutex  // held while a copy of the cache is written
	closed       atomic.Bool // set first thing by Close; read with or without mu
	replica      string
	fs           *endpoint.FileSystem // what the root's file system can do; nil until probed
}

// lockWait bounds how long Open waits for another process to release the endpoint's
// state: a process whose connection dropped finishes what it was doing first.
const lockWait = 30 * time.Second

// Open returns an endpoint for root and starts detecting changes.
func Open(root string, opts Options) (*Endpoint, error) {
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	lock, err := acquire(opts.LockFile)
	if err != nil {
		return nil, err
	}
	replica, err := readReplica(opts.ReplicaFile)
	if err != nil {
		lock.Close()
		return nil, err
	}
	sc := scan.New(root, opts.Scan)
	area := stage.NewArea(opts.StagingDir, sc.Abs)
	bin := trash.Open(opts.TrashDir, opts.Trash)
	e := &Endpoint{
		opts: opts, lock: lock, sc: sc, area: area, bin: bin, tr: transition.New(sc, area, bin, opts.permissions()),
		// lastSave starts at zero: the first scan's digests are saved at once, so a
		// process stopped soon after (a laptop that sleeps) need not hash them again.
		changes: make(chan struct{}, 1), done: make(chan struct{}), replica: replica,
	}
	e.probe() // before watching: the probe's scratch files are nothing to report
	switch opts.Watch {
	case WatchNone:
		e.watchDesc = "not watching (cycles run on flush)"
	case WatchForcePoll:
		e.startPolling()
	default:
		w, err := watch.Start(root, watch.Options{Ignore: opts.Scan.Ignore, MarkerDir: opts.MarkerDir, EventDelay: opts.WatchEventDelay})
		if err != nil {
			if !errors.Is(err, watch.ErrUnavailable) {
				lock.Close()
				return nil, err
			}
			e.startPolling()
			if nativeExpected {
				e.watchProblem = fmt.Sprintf("%v; polling instead", err)
			}
			break
		}
		e.watcher, e.watchDesc = w, "watching ("+w.Name()+")"
		e.wg.Add(1)
		go e.forward(w.Changes())
	}
	e.signal()
	return e, nil
}

func (e *Endpoint) signal() {
	select {
	case e.changes <- struct{}{}:
	default:
	}
}

// forward relays the watcher's notifications.
func (e *Endpoint) forward(ch <-chan struct{}) {
	defer e.wg.Done()
	for {
		select {
		case <-e.done:
			return
		case <-ch:
			e.signal()
		}
	}
}

func (e *Endpoint) startPolling() {
	e.watchDesc = fmt.Sprintf("polling every %s", e.opts.PollInterval)
	e.wg.Add(1)
	go e.poll()
}

// poll rescans the root periodically and signals when the tree differs from the one
// last reported.
func (e *Endpoint) poll() {
	defer e.wg.Done()
	t := time.NewTicker(e.opts.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-e.done:
			return
		case <-t.C:
		}
		e.mu.Lock()
		if e.closed.Load() {
			e.mu.Unlock()
			return
		}
		root, err := e.sc.Full()
		changed := err != nil || !tree.Equal(root, e.reported)
		if err == nil && changed {
			e.polled = root
		}
		e.mu.Unlock()
		if changed {
			e.signal()
		}
	}
}

// Replica implements endpoint.Endpoint.
func (e *Endpoint) Replica() string { return e.replica }

// readReplica reads the replica identifier in path, making one if there is none.
func readReplica(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	var rnd [16]byte
	rand.Read(rnd[:])
	id := hex.EncodeToString(rnd[:])
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o600); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	return id, nil
}

// Changes implements endpoint.Endpoint.
func (e *Endpoint) Changes() <-chan struct{} { return e.changes }

// Scan implements endpoint.Endpoint.
func (e *Endpoint) Scan(ctx context.Context, opts endpoint.ScanOptions) (*endpoint.ScanResult, error) {
	full := opts.Full
	if opts.Barrier {
		switch {
		case e.watcher == nil:
			// A poller's last result may predate the flush; only a scan now is sure.
			full = true
		case !full:
			if err := e.watcher.Barrier(ctx); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				full = true
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed.Load() {
		return nil, endpoint.ErrClosed
	}
	if e.fs == nil {
		e.probe()
	}
	root, err := e.scan(full)
	if err != nil {
		return nil, err
	}
	e.reported, e.polled = root, nil
	e.scheduleSave()
	res := &endpoint.ScanResult{Root: root, Watch: e.watchDesc, WatchProblem: e.watchProblem,
		NoExecutability: noExecutability || (e.fs != nil && !e.fs.ExecutableBits), FileSystem: e.fs,
		RootID: rootIdentity(e.sc.Root()), Changing: len(e.sc.Changing()) > 0}
	for _, p := range e.sc.Changing() {
		e.mark(p)
	}
	if e.watcher != nil {
		if p := e.watcher.Problem(); p != "" {
			res.WatchProblem = p
		}
	}
	return res, nil
}

func (e *Endpoint) scan(full bool) (*tree.Entry, error) {
	switch {
	case e.watcher != nil:
		paths, wfull := e.watcher.Take()
		for p := range e.marked {
			paths[p] = true
		}
		e.marked = nil
		// A root that was missing is not watched yet (the watcher polls for it): scan it
		// fully until it is there.
		if last := e.sc.Last(); full || wfull || !e.sc.Scanned() || last == nil || last.Kind != tree.Directory {
			return e.sc.Full()
		}
		if len(paths) == 0 {
			return e.sc.Last(), nil
		}
		return e.sc.Rescan(paths)
	case e.polled != nil && !full:
		return e.polled, nil
	}
	return e.sc.Full()
}

// Stage implements endpoint.Endpoint.
func (e *Endpoint) Stage(ctx context.Context, files []endpoint.StageFile, signatures bool) ([]endpoint.Needed, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed.Load() {
		return nil, endpoint.ErrClosed
	}
	return e.area.Stage(ctx, files, e.sc.Last(), signatures)
}

// Receiver implements endpoint.Endpoint.
// It does not take the endpoint's lock: a transition holding it may be waiting for
// what this receiver brings.
func (e *Endpoint) Receiver(ctx context.Context) (endpoint.Receiver, error) {
	if e.closed.Load() {
		return nil, endpoint.ErrClosed
	}
	return e.area.Receiver()
}

// Supply implements endpoint.Endpoint. It reads only the root, so it does not take the
// endpoint's lock: the poller may scan meanwhile.
func (e *Endpoint) Supply(ctx context.Context, needed []endpoint.Needed, r endpoint.Receiver) error {
	return stage.Supply(ctx, e.sc.Abs, needed, r)
}

// StageContents stages whole contents sent with the changes that need them (see
// endpoint.InlineTransitioner); each that does not match its digest is reported, under
// the paths that wanted it.
func (e *Endpoint) StageContents(contents []endpoint.Content, paths map[tree.Digest][]string) []endpoint.Problem {
	e.mu.Lock()
	defer e.mu.Unlock()
	var problems []endpoint.Problem
	for _, c := range contents {
		if err := e.area.StageContent(c.Digest, c.Data); err != nil {
			for _, p := range paths[c.Digest] {
				problems = append(problems, endpoint.Problem{Path: p, Error: fmt.Sprintf("staging: %v", err)})
			}
		}
	}
	return problems
}

// Transition implements endpoint.Endpoint.
func (e *Endpoint) Transition(ctx context.Context, changes []tree.Change) ([]*tree.Entry, []endpoint.Problem, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed.Load() {
		return nil, nil, endpoint.ErrClosed
	}
	results, problems := e.tr.Apply(ctx, changes)
	// The scanner's tree takes in what the transition did at once: a scan before the
	// watcher reports these writes must not miss them (a file missing from a scan looks
	// like a deletion).
	for i, c := range changes {
		if c.From != "" && results[i] != nil {
			e.sc.Apply(c.From, nil)
		}
		e.sc.Apply(c.Path, results[i])
	}
	e.polled = nil // a poll's result from before this transition is stale
	if len(problems) == 0 && !e.area.Wanted() {
		e.area.Clear()
	}
	// What the transition skipped is re-read by the next scan: its knowledge of those
	// paths proved stale (or the attempt itself touched them, as a trash link changes
	// a file's ctime), and the watcher may have nothing to report about them.
	for _, p := range problems {
		e.mark(p.Path)
	}
	// An ignore file the transition wrote or removed changes what its directory
	// holds: that is read again whole, and soon (nothing else may report it).
	rules := false
	for _, c := range changes {
		for _, p := range []string{c.Path, c.From} {
			if dir, ok := e.sc.RulesFor(p); ok && p != "" {
				e.mark(dir)
				rules = true
			}
		}
	}
	if rules {
		e.signal()
	}
	return results, problems, nil
}

// probe finds what the root's file system can do, once the root exists, and adapts
// the scanner and the transitioner to it: where files have no executable bits, scans
// record none (the session takes them from the ancestor or the other side).
func (e *Endpoint) probe() {
	f, ok := probeFileSystem(e.sc.Root())
	if !ok {
		return
	}
	e.fs = &f
	if !f.ExecutableBits {
		e.sc.IgnoreExecutability()
	}
	if f.CaseInsensitive || f.UnicodeInsensitive {
		e.sc.FoldNames()
	}
	e.tr.SetFileSystem(f)
}

// mark has the next scan re-read path and everything below it (under e.mu).
// scheduleSave sets the cache's save for cacheSaveQuiet from now, or sooner if that
// would be later than cacheSaveInterval after the last save (at once for the first
// scan's digests: a process stopped soon after, a laptop that sleeps, need not hash
// them again). e.mu is held.
func (e *Endpoint) scheduleSave() {
	delay := min(cacheSaveQuiet, max(0, time.Until(e.lastSave.Add(cacheSaveInterval))))
	if e.saveTimer == nil {
		e.saveTimer = time.AfterFunc(delay, e.saveCache)
		return
	}
	e.saveTimer.Reset(delay)
}

// saveCache writes a copy of the digest cache, taken under the lock and written
// outside it, so that scans and transitions go on meanwhile.
func (e *Endpoint) saveCache() {
	e.saving.Lock()
	defer e.saving.Unlock()
	e.mu.Lock()
	if e.closed.Load() {
		e.mu.Unlock()
		return
	}
	c, path, ok := e.sc.TakeCache()
	e.lastSave = time.Now()
	e.mu.Unlock()
	if ok {
		// A failed save costs the next process time (it hashes again), never
		// correctness: the cache is only a shortcut.
		c.Save(path)
	}
	if e.opts.onCacheSaved != nil {
		e.opts.onCacheSaved()
	}
}

func (e *Endpoint) mark(path string) {
	if e.marked == nil {
		e.marked = map[string]bool{}
	}
	e.marked[path] = true
}

// Close implements endpoint.Endpoint.
func (e *Endpoint) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	// A transition waiting for contents gives up, and lets go of the lock.
	e.area.EndReception()
	e.mu.Lock()
	close(e.done)
	if e.saveTimer != nil {
		e.saveTimer.Stop()
	}
	e.mu.Unlock()
	if e.watcher != nil {
		e.watcher.Close()
	}
	e.wg.Wait()
	close(e.changes)
	// After a save in progress (its copy may be older than the cache now).
	e.saving.Lock()
	err := e.sc.SaveCache()
	e.saving.Unlock()
	if e.lock != nil {
		e.lock.Close()
	}
	return err
}

// acquire locks path, waiting up to lockWait for another process to release it; a
// nil file and no error when path is "".
func acquire(path string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		f, held, err := tryLock(path)
		switch {
		case err != nil:
			return nil, fmt.Errorf("locking %s: %w", path, err)
		case !held:
			return f, nil
		case time.Now().After(deadline):
			return nil, fmt.Errorf("another ferry process still uses this side's state (%s) after %s; it should exit by itself once its connection is gone; if it does not, stop it", path, lockWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
