package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// scaleCase is SCALE, the full run's scale case: one session on a generated tree of
// Settings.Scale files (BENCH_SCALE; 1,000,000 by default) of 50-2,000 bytes, 50 per
// directory, measured as W1 (initial sync against rsync -a), W3 (the first edit after
// the initial sync apart from the edits after it), W2 (no-change flushes) and W6
// (idle CPU), with the daemon's and the agent's memory per entry, and the time a
// restarted daemon takes to watch again. One daemon and one copy per tool: at a
// million files each copy takes minutes and gigabytes.
type scaleCase struct{}

func (scaleCase) ID() string { return "SCALE" }

// flushesAtScale is how many no-change flushes the scale case times (at least).
const flushesAtScale = 5

func (scaleCase) Run(ctx context.Context, e *Env) ([]Group, error) {
	ct, err := e.ScaleTree()
	if err != nil {
		return nil, err
	}
	tree := ct.Tree
	// A walk checks a reused tree against its manifest and brings the inodes into the
	// cache for ferry and rsync alike.
	if c, err := Count(tree.Path); err != nil {
		return nil, err
	} else if c.Files != tree.Files || c.Dirs != tree.Dirs || c.Bytes != tree.Bytes {
		return nil, fmt.Errorf("the scale tree %s holds %d files, %d directories, %d bytes; its manifest says %d, %d, %d: delete it and run again",
			tree.Path, c.Files, c.Dirs, c.Bytes, tree.Files, tree.Dirs, tree.Bytes)
	}
	e.Logf("SCALE: %s", tree.Label)
	r := &scaleRun{e: e, ct: ct, entries: float64(tree.Entries())}
	err = r.run(ctx)
	return r.groups(), errors.Join(err, ctx.Err())
}

// scaleRun is one run of the scale case: what it has measured so far.
type scaleRun struct {
	e       *Env
	ct      *CachedTree
	entries float64

	w1, w2, w3, mem, restart Group
	f                        *Ferry
}

// groups are the tables measured, in the order the workloads run.
func (r *scaleRun) groups() []Group {
	var out []Group
	for _, g := range []Group{r.w1, r.w2, r.w3, r.mem, r.restart} {
		if g.Title != "" {
			out = append(out, g)
		}
	}
	return out
}

func (r *scaleRun) run(ctx context.Context) (err error) {
	e, tree := r.e, r.ct.Tree
	r.f, err = e.StartFerry("SCALE")
	if err != nil {
		return err
	}
	defer func() {
		err = errors.Join(err, r.f.Stop())
		// The last group measured gets the profiles of the daemon that measured it.
		if gs := r.groups(); len(gs) > 0 {
			last := r.groupNamed(gs[len(gs)-1].Title)
			last.Profiles = append(last.Profiles, r.f.Profiles()...)
		}
	}()
	before, err := ReadProc(r.f.Pid())
	if err != nil {
		return err
	}
	if err := r.f.Warm(ctx, e.Host); err != nil {
		return fmt.Errorf("warming ferry up: %w", err)
	}

	// W1: ferry's copy now, rsync's after the idle period, so that ferry's first edit
	// follows its initial sync as a user's would.
	r.w1 = Group{Workload: "SCALE", Kind: Repeated, Title: "W1 initial sync, " + tree.Label + ": wall time",
		Targets: []Target{{Row: "ferry", Stat: Median, Peer: "rsync -a", Bound: 1.0, Text: "≤ 1.0 × rsync"}},
		Notes: []string{"One copy per tool (BENCH_REPS does not apply here), after one walk of the tree: ferry's first, " +
			"rsync's after ferry's edits (undone first), flushes and idle period, when ferry's read has left the files in the page cache (which favours rsync)."}}
	ferryDest, rsyncDest := e.RemotePath("scale-ferry"), e.RemotePath("scale-rsync")
	defer os.RemoveAll(ferryDest)
	defer os.RemoveAll(rsyncDest)
	initial := func(t copier, dest string) error {
		row := Row{Tool: t.name(), Unit: Seconds}
		d, err := copyOnce(ctx, t, tree, dest)
		e.Logf("SCALE W1: %s: %s %v", t.name(), fmtDuration(d.Seconds()), errOrEmpty(err))
		if err != nil {
			row.Err = err.Error()
		} else {
			row.Samples = []float64{d.Seconds()}
		}
		r.w1.Rows = append(r.w1.Rows, row)
		return err
	}
	if err := initial(ferryCopier{r.f}, ferryDest); err != nil {
		return err
	}
	afterSync, err := r.sample()
	if err != nil {
		return err
	}

	// W3: the first edit after the initial sync, then the others.
	name := sessionName(ferryDest)
	if err := r.ct.Dirty(); err != nil {
		return err
	}
	s, err := watchSynced(e, r.f, tree, name, ferryDest, "SCALE", 6, r.ct.FileList())
	if err != nil {
		return err
	}
	defer func() {
		s.close()
		err = errors.Join(err, r.ct.Restore(s.edited()))
	}()
	r.w3 = Group{Workload: "SCALE", Kind: Distribution, Title: "W3 edits on " + tree.Label + ": local write → readable remotely"}
	editRow := func(tool string, n int) error {
		lat, timeouts, err := s.edit(ctx, n)
		row := Row{Tool: tool, Unit: Seconds, Samples: lat}
		if timeouts > 0 {
			row.Note = fmt.Sprintf("%d timeouts", timeouts)
		}
		if err != nil {
			row.Err = err.Error()
		}
		r.w3.Rows = append(r.w3.Rows, row)
		r.w3.Targets = append(r.w3.Targets, Target{Row: tool, Stat: Median, Bound: 0.030, Text: "≤ 30 ms"})
		e.Logf("SCALE W3: %s: p50 %s, max %s", tool, fmtDuration(Median.Of(lat)), fmtDuration(Max.Of(lat)))
		return err
	}
	cycles := len(cycleLines(readString(r.f.LogPath())))
	if err := editRow("ferry, first edit after the initial sync", 1); err != nil {
		return err
	}
	r.w3.Notes = append(r.w3.Notes, r.cycleAfter(cycles, "The first edit's cycle"))
	if err := editRow("ferry, later edits", e.Sizes.Edits); err != nil {
		return err
	}
	r.w3.Notes = append(r.w3.Notes, s.watchers+".")
	if err := r.f.Healthy(name); err != nil {
		return err
	}

	// W2: flushes with nothing changed.
	r.w2 = Group{Workload: "SCALE", Kind: Repeated, Title: "W2 " + tree.Label + ": one pass, nothing changed",
		Targets: []Target{{Row: "ferry", Stat: Median, Bound: 0.050, Text: "< 50 ms"}}}
	if _, err := r.f.CLIContext(ctx, "sync", "flush", name); err != nil { // the edits' last cycle
		return err
	}
	flush := Row{Tool: "ferry", Unit: Seconds}
	for range max(flushesAtScale, e.Reps) {
		d, err := timed(func() error { return ferryCopier{r.f}.again(ctx, tree.Path, ferryDest) })
		if err != nil {
			flush.Err = err.Error()
			break
		}
		flush.Samples = append(flush.Samples, d.Seconds())
	}
	r.w2.Rows = append(r.w2.Rows, flush)
	if flush.Err != "" {
		return errors.New(flush.Err)
	}

	// W6: idle CPU, then memory.
	if err := r.idle(ctx, before, afterSync); err != nil {
		return err
	}

	// rsync copies the tree as ferry did: the edited files are restored first, and
	// ferry's session has synced them back before rsync starts.
	if err := r.ct.Restore(s.edited()); err != nil {
		return err
	}
	if _, err := r.f.CLIContext(ctx, "sync", "flush", name); err != nil {
		return err
	}
	if err := initial(rsync{env: e}, rsyncDest); err != nil {
		return err
	}
	os.RemoveAll(rsyncDest)
	if err := r.ct.Dirty(); err != nil { // the edit after the restart
		return err
	}

	// A restart: the daemon stops with the session watching and comes back on its data.
	r.restart = Group{Workload: "SCALE", Kind: Repeated, Title: "restart on " + tree.Label,
		Targets: []Target{{Row: "daemon restart → watching", Stat: Median, Bound: 5, Text: "< 5 s"}},
		Notes: []string{"Timed from starting `ferry daemon run` on the stopped daemon's data directory until `ferry sync list` shows the session watching (polled every 50 ms).",
			"\"first edit after the restart\" is one edit, made as in W3 one second after the session watches again."}}
	if err := r.f.Stop(); err != nil {
		return err
	}
	r.groupNamed(r.mem.Title).Profiles = r.f.Profiles()
	start := time.Now()
	f2, err := e.StartFerryOn(r.f.Data, "SCALE-restart")
	if err != nil {
		return err
	}
	r.f = f2
	s.close = func() {
		f2.Terminate(name)
		os.RemoveAll(ferryDest)
	}
	if err := f2.WaitStatus(name, "watching", 5*time.Minute); err != nil {
		return err
	}
	up := time.Since(start)
	e.Logf("SCALE: restart to watching in %s", fmtDuration(up.Seconds()))
	r.restart.Rows = append(r.restart.Rows, Row{Tool: "daemon restart → watching", Unit: Seconds, Samples: []float64{up.Seconds()}})
	time.Sleep(time.Second)
	cycles = len(cycleLines(readString(f2.LogPath())))
	lat, timeouts, err := s.edit(ctx, 1)
	r.restart.Notes = append(r.restart.Notes, r.cycleAfter(cycles, "The first edit's cycle after the restart"))
	row := Row{Tool: "first edit after the restart", Unit: Seconds, Samples: lat}
	if timeouts > 0 {
		row.Note = "timed out"
	}
	if err != nil {
		row.Err = err.Error()
	}
	r.restart.Rows = append(r.restart.Rows, row)
	if err != nil {
		return err
	}
	p, err := r.sample()
	if err != nil {
		return err
	}
	r.restart.Rows = append(r.restart.Rows,
		Row{Tool: "daemon RSS per entry after the restart", Unit: Bytes, Samples: []float64{float64(p.daemon.RSS) / r.entries}, Note: "peak " + fmtBytes(float64(p.daemon.HWM)/r.entries)},
		Row{Tool: "agent RSS per entry after the restart", Unit: Bytes, Samples: []float64{float64(p.agent.RSS) / r.entries}, Note: "peak " + fmtBytes(float64(p.agent.HWM)/r.entries)})
	return f2.Healthy(name)
}

// cycleAfter describes, as what, the cycle the daemon logged after its first
// `before` cycles: its phases, for telling where a slow edit's time went. The cycle
// logs once it has saved, which may be after the edit is readable remotely, so this
// waits for the line up to two seconds.
func (r *scaleRun) cycleAfter(before int, what string) string {
	deadline := time.Now().Add(2 * time.Second)
	for {
		lines := cycleLines(readString(r.f.LogPath()))
		if len(lines) > before {
			return fmt.Sprintf("%s, as the daemon logged it: %s.", what, strings.Join(lines[before:], "; then "))
		}
		if time.Now().After(deadline) {
			return what + ": the daemon logged no cycle within 2 s of it."
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// groupNamed is the group of r titled title.
func (r *scaleRun) groupNamed(title string) *Group {
	for _, g := range []*Group{&r.w1, &r.w2, &r.w3, &r.mem, &r.restart} {
		if g.Title == title {
			return g
		}
	}
	return &Group{}
}

// procPair is the daemon's and the agent's samples at one moment.
type procPair struct{ daemon, agent ProcSample }

// sample reads the daemon and its one agent.
func (r *scaleRun) sample() (p procPair, err error) {
	agents := r.e.agentPids()
	if len(agents) != 1 {
		return p, fmt.Errorf("expected one ferry agent running, found %d (%v)", len(agents), agents)
	}
	if p.daemon, err = ReadProc(r.f.Pid()); err != nil {
		return p, err
	}
	p.agent, err = ReadProc(agents[0])
	return p, err
}

// idle measures the daemon's and the agent's CPU over Sizes.Idle with nothing
// changing, and their memory at its end (steady) and at their peak (VmHWM).
func (r *scaleRun) idle(ctx context.Context, before ProcSample, afterSync procPair) error {
	e := r.e
	r.mem = Group{Workload: "SCALE", Kind: Repeated, Title: fmt.Sprintf("W6 %s watched, idle for %s; memory", r.ct.Label, e.Sizes.Idle),
		Targets: []Target{
			{Row: "daemon + agent CPU", Stat: Median, Bound: 0.005, Text: "< 0.5% of one core"},
			{Row: "daemon RSS per entry", Stat: Median, Bound: 1024, Text: "< 1 KiB per entry"},
			{Row: "daemon peak RSS per entry", Stat: Median, Bound: 1536, Text: "< 1.5 KiB per entry"},
			{Row: "agent RSS per entry", Stat: Median, Bound: 1024, Text: "< 1 KiB per entry"},
			{Row: "agent peak RSS per entry", Stat: Median, Bound: 1536, Text: "< 1.5 KiB per entry"},
		},
		Notes: []string{fmt.Sprintf("Steady RSS is VmRSS at the end of the idle period; peak is VmHWM, the most the process held since it started (the initial sync, the edits and the flushes included). Per entry: divided by the session's %s entries (files, directories, root). The daemon held %s before the session; the agent serves the warm-up session too (one file).",
			commas(r.ct.Entries()), fmtBytes(float64(before.RSS)))}}
	time.Sleep(2 * time.Second)
	p0, err := r.sample()
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(e.Sizes.Idle):
	}
	p1, err := r.sample()
	if err != nil {
		return err
	}
	wall := p1.daemon.At.Sub(p0.daemon.At).Seconds()
	dcpu, acpu := (p1.daemon.CPU-p0.daemon.CPU).Seconds()/wall, (p1.agent.CPU-p0.agent.CPU).Seconds()/wall
	perEntry := func(b int64) []float64 { return []float64{float64(b) / r.entries} }
	r.mem.Rows = []Row{
		{Tool: "daemon CPU", Unit: CoreFraction, Samples: []float64{dcpu}, Note: cpuNote(p1.daemon.CPU - p0.daemon.CPU)},
		{Tool: "agent CPU", Unit: CoreFraction, Samples: []float64{acpu}, Note: cpuNote(p1.agent.CPU - p0.agent.CPU)},
		{Tool: "daemon + agent CPU", Unit: CoreFraction, Samples: []float64{dcpu + acpu}},
		{Tool: "daemon RSS per entry", Unit: Bytes, Samples: perEntry(p1.daemon.RSS), Note: fmtBytes(float64(p1.daemon.RSS)) + "; " + fmtBytes(float64(afterSync.daemon.RSS)) + " right after the initial sync"},
		{Tool: "daemon peak RSS per entry", Unit: Bytes, Samples: perEntry(p1.daemon.HWM), Note: fmtBytes(float64(p1.daemon.HWM))},
		{Tool: "agent RSS per entry", Unit: Bytes, Samples: perEntry(p1.agent.RSS), Note: fmtBytes(float64(p1.agent.RSS)) + "; " + fmtBytes(float64(afterSync.agent.RSS)) + " right after the initial sync"},
		{Tool: "agent peak RSS per entry", Unit: Bytes, Samples: perEntry(p1.agent.HWM), Note: fmtBytes(float64(p1.agent.HWM))},
	}
	e.Logf("SCALE W6: daemon %.2f%% CPU, %s RSS (peak %s); agent %.2f%% CPU, %s RSS (peak %s)", dcpu*100,
		fmtBytes(float64(p1.daemon.RSS)), fmtBytes(float64(p1.daemon.HWM)), acpu*100, fmtBytes(float64(p1.agent.RSS)), fmtBytes(float64(p1.agent.HWM)))
	return nil
}
