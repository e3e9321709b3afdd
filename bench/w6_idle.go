package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// idle is W6: what a watched session on the many-small-files tree costs when nothing
// changes: CPU time and RSS of the daemon and the agent.
type idle struct{}

func (idle) ID() string { return "W6" }

func (idle) Run(ctx context.Context, e *Env) ([]Group, error) {
	g := Group{Workload: "W6", Kind: Repeated}
	tree, err := e.SmallFilesTree("w1", e.Sizes.SmallFiles) // W6 only reads it
	if err != nil {
		return []Group{g}, err
	}
	g.Title = fmt.Sprintf("%s watched, idle for %s", tree.Label, e.Sizes.Idle)
	f, err := e.StartFerry("W6")
	if err != nil {
		return []Group{g}, err
	}
	dest := e.RemotePath("w6")
	defer os.RemoveAll(dest)
	err = func() error {
		before, err := ReadProc(f.Pid())
		if err != nil {
			return err
		}
		if err := f.Sync(ctx, "idle", tree.Path, e.Host, dest); err != nil {
			return err
		}
		if err := f.Healthy("idle"); err != nil {
			return err
		}
		if err := f.WaitStatus("idle", "watching", time.Minute); err != nil {
			return err
		}
		time.Sleep(2 * time.Second)
		agents := e.agentPids()
		if len(agents) != 1 {
			return fmt.Errorf("expected one ferry agent running, found %d (%v)", len(agents), agents)
		}
		d0, err := ReadProc(f.Pid())
		if err != nil {
			return err
		}
		a0, err := ReadProc(agents[0])
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(e.Sizes.Idle):
		}
		d1, err := ReadProc(f.Pid())
		if err != nil {
			return err
		}
		a1, err := ReadProc(agents[0])
		if err != nil {
			return err
		}
		wall := d1.At.Sub(d0.At).Seconds()
		dcpu, acpu := (d1.CPU-d0.CPU).Seconds()/wall, (a1.CPU-a0.CPU).Seconds()/wall
		entries := float64(tree.Entries())
		g.Rows = []Row{
			{Tool: "daemon CPU", Unit: CoreFraction, Samples: []float64{dcpu}, Note: cpuNote(d1.CPU - d0.CPU)},
			{Tool: "agent CPU", Unit: CoreFraction, Samples: []float64{acpu}, Note: cpuNote(a1.CPU - a0.CPU)},
			{Tool: "daemon + agent CPU", Unit: CoreFraction, Samples: []float64{dcpu + acpu}},
			{Tool: "daemon RSS", Unit: Bytes, Samples: []float64{float64(d1.RSS)}, Note: "peak " + fmtBytes(float64(d1.HWM))},
			{Tool: "agent RSS", Unit: Bytes, Samples: []float64{float64(a1.RSS)}, Note: "peak " + fmtBytes(float64(a1.HWM))},
			{Tool: "daemon RSS per entry", Unit: Bytes, Samples: []float64{float64(d1.RSS) / entries}, Note: fmt.Sprintf("%s entries", commas(tree.Entries()))},
			{Tool: "daemon RSS growth per entry", Unit: Bytes, Samples: []float64{float64(d1.RSS-before.RSS) / entries},
				Note: "over its " + fmtBytes(float64(before.RSS)) + " before the session"},
			{Tool: "agent RSS per entry", Unit: Bytes, Samples: []float64{float64(a1.RSS) / entries}},
		}
		g.Targets = []Target{
			{Row: "daemon + agent CPU", Stat: Median, Bound: 0.01, Text: "< 1% of one core"},
			{Row: "daemon RSS per entry", Stat: Median, Bound: 1024, Text: "< 1 KiB per entry"},
		}
		e.Logf("W6: daemon %.2f%% CPU, %s RSS; agent %.2f%% CPU, %s RSS", dcpu*100, fmtBytes(float64(d1.RSS)), acpu*100, fmtBytes(float64(a1.RSS)))
		return nil
	}()
	// The session stays while the daemon stops, so the heap profile written at exit
	// still holds it.
	err = errors.Join(err, f.Stop(), ctx.Err())
	g.Profiles = f.Profiles()
	return []Group{g}, err
}

// cpuNote states the CPU time behind a fraction, and its resolution.
func cpuNote(cpu time.Duration) string {
	return fmt.Sprintf("%s of CPU time, counted in %s ticks", cpu, clockTick)
}
