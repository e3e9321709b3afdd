package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// initialSync is W1: a tree copied into an empty remote folder by ferry (create, then
// flush) and by each peer. Each tree gets its own ferry daemon, so its own profiles.
type initialSync struct{}

func (initialSync) ID() string { return "W1" }

// w1Case is one of W1's trees: (a) Go src, (b) many small files, (c) a few big ones.
type w1Case struct {
	letter string
	tree   func(e *Env) (*Tree, error)
}

func w1Cases() []w1Case {
	return []w1Case{
		{"a", func(e *Env) (*Tree, error) { return e.GoSrcTree("w1") }},
		{"b", func(e *Env) (*Tree, error) { return e.SmallFilesTree("w1", e.Sizes.SmallFiles) }},
		{"c", func(e *Env) (*Tree, error) { return e.BigFilesTree("w1") }},
	}
}

// w1Copies are the remote copies W1 leaves for W2: each tool's last one, and the data
// directory whose ferry session keeps ferry's.
type w1Copies struct {
	tree      *Tree
	dests     map[string]string // tool name → remote folder
	ferryData string
}

func (initialSync) Run(ctx context.Context, e *Env) ([]Group, error) {
	return eachW1Case(ctx, e, runW1Case)
}

// eachW1Case runs a workload's run on each of W1's trees in turn, keeping the groups
// measured until one fails.
func eachW1Case(ctx context.Context, e *Env, run func(context.Context, *Env, w1Case) (Group, error)) ([]Group, error) {
	var groups []Group
	for _, c := range w1Cases() {
		if e.Sizes.W1Cases != "" && !strings.Contains(e.Sizes.W1Cases, c.letter) {
			continue
		}
		g, err := run(ctx, e, c)
		groups = append(groups, g)
		if err != nil {
			return groups, fmt.Errorf("(%s): %w", c.letter, err)
		}
	}
	return groups, nil
}

func runW1Case(ctx context.Context, e *Env, c w1Case) (Group, error) {
	g := Group{Workload: "W1", Kind: Repeated, Targets: []Target{
		{Row: "ferry", Stat: Median, Peer: "rsync -a", Bound: 0.8, Text: "≤ 0.8 × rsync"},
		{Row: "ferry", Stat: Median, Peer: "tar | ssh | tar", Bound: 1.0, Text: "≤ 1.0 × tar | ssh | tar"},
	}}
	tree, err := c.tree(e)
	if err != nil {
		return g, err
	}
	g.Title = fmt.Sprintf("(%s) %s: wall time", c.letter, tree.Label)
	e.Logf("W1 (%s): %s", c.letter, tree.Label)
	f, err := e.StartFerry("W1" + c.letter)
	if err != nil {
		return g, err
	}
	warm, err := timed(func() error { return f.Warm(ctx, e.Host) })
	if err != nil {
		f.Stop()
		return g, fmt.Errorf("warming ferry up: %w", err)
	}
	g.Notes = append(g.Notes, fmt.Sprintf("ferry's warm-up before timing (daemon connects to the host, checks or installs its agent, syncs one file): %s.", fmtDuration(warm.Seconds())))

	tools := []copier{ferryCopier{f}, rsync{env: e}, rsync{env: e, compress: true}, unison{e}, tarSSH{env: e}, tarSSH{env: e, zstd: true}}
	g.Rows = make([]Row, len(tools))
	for i, t := range tools {
		g.Rows[i] = Row{Tool: t.name(), Unit: Seconds}
	}
	last := map[string]string{}
	for rep := range e.Reps {
		for k := range tools {
			i := (k + rep) % len(tools)
			t, row := tools[i], &g.Rows[i]
			if row.Err != "" {
				continue
			}
			dest := e.RemotePath(fmt.Sprintf("w1%s-%s-r%d", c.letter, slug(t.name()), rep+1))
			d, err := copyOnce(ctx, t, tree, dest)
			e.Logf("W1 (%s) rep %d: %s: %s %v", c.letter, rep+1, t.name(), fmtDuration(d.Seconds()), errOrEmpty(err))
			if err != nil {
				row.Err = err.Error()
				discard(t, dest)
				continue
			}
			row.Samples = append(row.Samples, d.Seconds())
			if prev, ok := last[t.name()]; ok {
				discard(t, prev)
			}
			last[t.name()] = dest
		}
		if ctx.Err() != nil {
			break
		}
	}
	// tar has no pass with nothing changed: W2 does not need its copies.
	for _, t := range tools {
		if _, ok := t.(tarSSH); ok {
			if d, ok := last[t.name()]; ok {
				os.RemoveAll(d)
				delete(last, t.name())
			}
		}
	}
	err = f.Stop()
	g.Profiles = f.Profiles()
	e.mu.Lock()
	e.w1[c.letter] = &w1Copies{tree: tree, dests: last, ferryData: f.Data}
	e.mu.Unlock()
	return g, errors.Join(err, ctx.Err())
}

// copyOnce times t copying tree into dest, then checks the tool's state and the copy.
func copyOnce(ctx context.Context, t copier, tree *Tree, dest string) (time.Duration, error) {
	d, err := timed(func() error { return t.initial(ctx, tree.Path, dest) })
	if err == nil {
		err = t.check(dest)
	}
	if err == nil {
		if diff := tree.sameContents(dest); diff != "" {
			err = errors.New(diff)
		}
	}
	return d, err
}

// discard releases a copy and deletes it.
func discard(t copier, dest string) {
	t.release(dest)
	os.RemoveAll(dest)
}

func errOrEmpty(err error) any {
	if err == nil {
		return ""
	}
	return err
}
