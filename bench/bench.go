package bench

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// A Workload is one of the workloads, measured for ferry and its peers.
type Workload interface {
	// ID is the name for it: "W1".
	ID() string
	// Run measures and returns its tables. An error means it could not finish; the
	// tables it returns are reported all the same.
	Run(ctx context.Context, e *Env) ([]Group, error)
}

// Workloads are W1-W6 in the order they run (W2 measures the copies W1 leaves).
func Workloads() []Workload {
	return []Workload{initialSync{}, noChange{}, editLatency{}, delta{}, forwarding{}, idle{}}
}

// Run runs the workloads in order and collects what they measure.
func Run(ctx context.Context, e *Env, ws []Workload) *Report {
	r := &Report{Settings: e.Settings, Started: time.Now(), LoadAtStart: LoadAverage()}
	for _, w := range ws {
		if ctx.Err() != nil {
			r.Errors = append(r.Errors, fmt.Sprintf("%s: not run: %v", w.ID(), ctx.Err()))
			continue
		}
		start := time.Now()
		e.Logf("%s: start", w.ID())
		groups, err := w.Run(ctx, e)
		r.Groups = append(r.Groups, groups...)
		if err != nil {
			r.Errors = append(r.Errors, fmt.Sprintf("%s: %v", w.ID(), err))
			e.Logf("%s: failed after %s: %v", w.ID(), time.Since(start).Round(time.Millisecond), err)
			continue
		}
		e.Logf("%s: done in %s", w.ID(), time.Since(start).Round(time.Millisecond))
	}
	r.Elapsed = time.Since(r.Started)
	r.LoadAtEnd = LoadAverage()
	return r
}

// Failures lists the workloads that did not finish and the rows without figures.
func (r *Report) Failures() []string {
	out := append([]string(nil), r.Errors...)
	for _, g := range r.Groups {
		for _, row := range g.Rows {
			if row.Err != "" {
				out = append(out, fmt.Sprintf("%s %s: %s: %s", g.Workload, g.Title, row.Tool, row.Err))
			}
		}
	}
	return out
}

// slug is a tool's name as a path element: "rsync -a" → "rsync".
func slug(tool string) string {
	f, _, _ := strings.Cut(tool, " ")
	return f
}
