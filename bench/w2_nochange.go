package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// noChange is W2: one pass with nothing changed, over the copies W1 left (or, when W1
// did not run, copies made here untimed). ferry flushes its watching session, after a
// restart of the daemon on W1's data directory so W2 gets its own profiles; rsync and
// unison run again.
type noChange struct{}

func (noChange) ID() string { return "W2" }

func (noChange) Run(ctx context.Context, e *Env) ([]Group, error) {
	return eachW1Case(ctx, e, runW2Case)
}

func runW2Case(ctx context.Context, e *Env, c w1Case) (Group, error) {
	g := Group{Workload: "W2", Kind: Repeated, Targets: []Target{
		{Row: "ferry", Stat: Median, Peer: "rsync -a", Bound: 0.05, Text: "≤ 0.05 × rsync"},
	}}
	if c.letter == "b" {
		g.Targets = append(g.Targets, Target{Row: "ferry", Stat: Median, Bound: 0.050, Text: "< 50 ms"})
	}
	e.mu.Lock()
	copies := e.w1[c.letter]
	delete(e.w1, c.letter) // this case deletes them when done
	e.mu.Unlock()
	if copies == nil {
		var err error
		if copies, err = prepareW1Copies(ctx, e, c); err != nil {
			return g, err
		}
	}
	g.Title = fmt.Sprintf("(%s) %s: one pass, nothing changed", c.letter, copies.tree.Label)
	defer func() {
		for _, d := range copies.dests {
			os.RemoveAll(d)
		}
		os.RemoveAll(copies.ferryData)
	}()
	ferryDest, ok := copies.dests["ferry"]
	if !ok {
		return g, errors.New("W1 left no ferry session (it failed there)")
	}
	f, err := e.StartFerryOn(copies.ferryData, "W2"+c.letter)
	if err != nil {
		return g, err
	}
	// The restarted session rescans once; let it, and let its watchers settle.
	if _, err := f.CLIContext(ctx, "sync", "flush", sessionName(ferryDest)); err != nil {
		f.Stop()
		return g, err
	}
	time.Sleep(time.Second)

	tools := []copier{ferryCopier{f}, rsync{env: e}, rsync{env: e, compress: true}, unison{e}, ferryVersion{f}}
	g.Rows = make([]Row, len(tools))
	for i, t := range tools {
		g.Rows[i] = Row{Tool: t.name(), Unit: Seconds}
	}
	for rep := range e.Reps {
		for k := range tools {
			i := (k + rep) % len(tools)
			t, row := tools[i], &g.Rows[i]
			if row.Err != "" {
				continue
			}
			dest, ok := copies.dests[t.name()]
			if _, floor := t.(ferryVersion); floor {
				dest = ferryDest
			} else if !ok {
				row.Err = "W1 left no copy (it failed there)"
				continue
			}
			d, err := timed(func() error { return t.again(ctx, copies.tree.Path, dest) })
			if err == nil {
				err = t.check(dest)
			}
			if err != nil {
				row.Err = err.Error()
				continue
			}
			row.Samples = append(row.Samples, d.Seconds())
		}
	}
	g.Notes = append(g.Notes, "\"ferry version (CLI floor)\" starts the ferry binary and makes one call to the daemon: the part of `ferry sync flush` that is not the cycle.")
	err = f.Stop()
	g.Profiles = f.Profiles()
	return g, errors.Join(err, ctx.Err())
}

// prepareW1Copies makes, untimed, the copies W1 would have left.
func prepareW1Copies(ctx context.Context, e *Env, c w1Case) (*w1Copies, error) {
	tree, err := c.tree(e)
	if err != nil {
		return nil, err
	}
	f, err := e.StartFerry("W2" + c.letter + "-setup")
	if err != nil {
		return nil, err
	}
	defer f.Stop()
	if err := f.Warm(ctx, e.Host); err != nil {
		return nil, err
	}
	copies := &w1Copies{tree: tree, dests: map[string]string{}, ferryData: f.Data}
	for _, t := range []copier{ferryCopier{f}, rsync{env: e}, rsync{env: e, compress: true}, unison{e}} {
		dest := e.RemotePath(fmt.Sprintf("w2%s-%s", c.letter, slug(t.name())))
		if _, err := copyOnce(ctx, t, tree, dest); err != nil {
			return nil, fmt.Errorf("%s: %w", t.name(), err)
		}
		copies.dests[t.name()] = dest
	}
	return copies, nil
}

// ferryVersion is `ferry version` against the daemon: the CLI's floor in W2.
type ferryVersion struct{ f *Ferry }

func (ferryVersion) name() string { return "ferry version (CLI floor)" }

func (v ferryVersion) again(ctx context.Context, _, _ string) error {
	_, err := v.f.CLIContext(ctx, "version")
	return err
}

func (ferryVersion) initial(context.Context, string, string) error { return errNoAgain }
func (ferryVersion) check(string) error                            { return nil }
func (ferryVersion) release(string) error                          { return nil }
