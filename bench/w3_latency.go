package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ferrysync/ferry/protocol"
	"github.com/fsnotify/fsnotify"
)

// editLatency is W3: single-file edits at random moments while a session watches,
// each timed from the local write until the remote copy reads back the new content;
// on a small tree, the Go src tree and the many-small-files tree, so growth with tree
// size shows.
type editLatency struct{}

func (editLatency) ID() string { return "W3" }

// editTimeout is how long an edit may take to appear remotely; it counts as this long.
const editTimeout = 10 * time.Second

func (editLatency) Run(ctx context.Context, e *Env) ([]Group, error) {
	g := Group{Workload: "W3", Kind: Distribution, Title: fmt.Sprintf("%d edits per tree: local write → readable remotely", e.Sizes.Edits)}
	trees := []func() (*Tree, error){
		func() (*Tree, error) { return e.SmallFilesTree("w3", e.Sizes.SmallTree) },
		func() (*Tree, error) { return e.GoSrcTree("w3") },
		func() (*Tree, error) { return e.SmallFilesTree("w3", e.Sizes.SmallFiles) },
	}
	if n := e.Sizes.W3Trees; n > 0 && n < len(trees) {
		trees = trees[:n]
	}
	f, err := e.StartFerry("W3")
	if err != nil {
		return []Group{g}, err
	}
	var errs []error
	for i, mk := range trees {
		tree, err := mk()
		if err != nil {
			errs = append(errs, err)
			break
		}
		row := Row{Tool: fmt.Sprintf("ferry, %s files", commas(tree.Files)), Unit: Seconds}
		lat, timeouts, watchers, err := watchEdits(ctx, e, f, tree, fmt.Sprintf("w3-%d", i), uint64(i))
		// Which watcher each side used: a polling side must not hide behind a native
		// watcher's figure.
		row.Note = watchers
		row.Samples = lat
		if timeouts > 0 {
			row.Note = strings.TrimPrefix(row.Note+fmt.Sprintf("; %d timeouts", timeouts), "; ")
		}
		if err != nil {
			row.Err = err.Error()
			errs = append(errs, err)
		}
		e.Logf("W3: %s: p50 %s, p99 %s", row.Tool, fmtDuration(Median.Of(lat)), fmtDuration(P99.Of(lat)))
		g.Rows = append(g.Rows, row)
		g.Targets = append(g.Targets,
			Target{Row: row.Tool, Stat: Median, Bound: 0.030, Text: "p50 ≤ 30 ms"},
			Target{Row: row.Tool, Stat: P99, Bound: 0.100, Text: "p99 ≤ 100 ms"})
		if ctx.Err() != nil {
			break
		}
	}
	if len(g.Rows) == len(trees) && len(trees) > 1 {
		small, large := g.Rows[0].Tool, g.Rows[len(trees)-1].Tool
		g.Targets = append(g.Targets, Target{Row: large, Stat: Median, Peer: small, Bound: 1.5,
			Text: "p50 about that of the " + small[len("ferry, "):] + " tree (≤ 1.5×)"})
	}
	errs = append(errs, f.Stop())
	g.Profiles = f.Profiles()
	return []Group{g}, errors.Join(append(errs, ctx.Err())...)
}

// watcherOf says how a side detected changes ("watching (inotify)", "polling every 10s").
func watcherOf(e protocol.EndpointState) string {
	if e.Watch == "" {
		return "unknown"
	}
	return e.Watch
}

// watchEdits syncs tree to a remote folder, then makes Sizes.Edits edits to random
// files of it at random intervals and returns how long each took to appear remotely.
func watchEdits(ctx context.Context, e *Env, f *Ferry, tree *Tree, name string, seed uint64) (lat []float64, timeouts int, watchers string, err error) {
	s, err := startEdits(ctx, e, f, tree, name, "W3", seed)
	if err != nil {
		return nil, 0, "", err
	}
	defer s.close()
	lat, timeouts, err = s.edit(ctx, e.Sizes.Edits)
	if err != nil {
		return lat, timeouts, s.watchers, err
	}
	return lat, timeouts, s.watchers, f.Healthy(name)
}

// edits is a session watching a tree synced to a remote folder, and the random edits
// made to it so far.
type edits struct {
	e              *Env
	tree           *Tree
	label          string // the workload, in each edit's content
	dest, watchers string
	files          []string
	rng            *rand.Rand
	perm           []int
	made           int
	close          func()
	// before, if set, runs before each edit, after the pause that precedes it.
	before func() error
}

// startEdits syncs tree to a remote folder named name and waits until the session
// watches it; close terminates the session and removes the folder.
func startEdits(ctx context.Context, e *Env, f *Ferry, tree *Tree, name, label string, seed uint64) (*edits, error) {
	dest := e.RemotePath(name)
	if err := f.Sync(ctx, name, tree.Path, e.Host, dest); err != nil {
		os.RemoveAll(dest)
		return nil, err
	}
	return watchSynced(e, f, tree, name, dest, label, seed, nil)
}

// watchSynced waits until session name, which has synced tree to dest, watches, and
// readies edits to files, tree's files relative to its root (nil: walk the tree for
// them); close terminates the session and removes dest.
func watchSynced(e *Env, f *Ferry, tree *Tree, name, dest, label string, seed uint64, files []string) (*edits, error) {
	s := &edits{e: e, tree: tree, label: label, dest: dest, close: func() {
		f.Terminate(name)
		os.RemoveAll(dest)
	}}
	fail := func(err error) (*edits, error) {
		s.close()
		return nil, err
	}
	if err := f.Healthy(name); err != nil {
		return fail(err)
	}
	if err := f.WaitStatus(name, "watching", 5*time.Minute); err != nil {
		return fail(err)
	}
	e.Logf("%s: %s synced (%s), watching", label, name, tree.Label)
	if st, err := f.Session(name); err == nil {
		s.watchers = fmt.Sprintf("local side %s, remote side %s", watcherOf(st.Alpha), watcherOf(st.Beta))
	}
	time.Sleep(time.Second) // the watchers settle after the initial copy
	if files == nil {
		var err error
		if files, err = tree.regularFiles(); err != nil {
			return fail(err)
		}
	}
	s.files = files
	s.rng = rand.New(rand.NewPCG(seed, 3))
	s.perm = s.rng.Perm(len(files))
	return s, nil
}

// edited lists the files edited so far, relative to the tree's root.
func (s *edits) edited() []string {
	var out []string
	for i := range min(s.made, len(s.perm)) {
		out = append(out, s.files[s.perm[i]])
	}
	return out
}

// edit makes n edits to random files at random intervals and returns how long each
// took to appear remotely.
func (s *edits) edit(ctx context.Context, n int) (lat []float64, timeouts int, err error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, 0, err
	}
	defer w.Close()
	rng := s.rng
	for range n {
		if ctx.Err() != nil {
			return lat, timeouts, ctx.Err()
		}
		i := s.made
		s.made++
		rel := s.files[s.perm[i%len(s.perm)]]
		content := fmt.Appendf(nil, "ferrybench %s edit %d of %s\n", s.label, i, rel)
		filler := make([]byte, 100+rng.IntN(1900))
		for j := range filler {
			filler[j] = byte('a' + rng.IntN(26))
		}
		content = append(content, filler...)
		remote := filepath.Join(s.dest, rel)
		if err := w.Add(filepath.Dir(remote)); err != nil {
			return lat, timeouts, err
		}
		time.Sleep(time.Duration(20+rng.IntN(100)) * time.Millisecond)
		if s.before != nil {
			if err := s.before(); err != nil {
				return lat, timeouts, err
			}
		}
		drain(w)
		start := time.Now()
		if err := os.WriteFile(filepath.Join(s.tree.Path, rel), content, 0o644); err != nil {
			return lat, timeouts, err
		}
		if waitContent(w, remote, content, start.Add(editTimeout)) {
			lat = append(lat, time.Since(start).Seconds())
		} else {
			lat = append(lat, editTimeout.Seconds())
			timeouts++
		}
		w.Remove(filepath.Dir(remote))
	}
	return lat, timeouts, nil
}

// waitContent waits until name holds want: it rereads on every event in its directory,
// and every 20 ms in case an event is missed.
func waitContent(w *fsnotify.Watcher, name string, want []byte, deadline time.Time) bool {
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	timeout := time.NewTimer(time.Until(deadline))
	defer timeout.Stop()
	for {
		if got, err := os.ReadFile(name); err == nil && bytes.Equal(got, want) {
			return true
		}
		select {
		case <-w.Events:
		case <-w.Errors:
		case <-poll.C:
		case <-timeout.C:
			return false
		}
	}
}

func drain(w *fsnotify.Watcher) {
	for {
		select {
		case <-w.Events:
		case <-w.Errors:
		default:
			return
		}
	}
}
