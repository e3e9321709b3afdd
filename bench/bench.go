package bench

import (
	"context"
	"errors"
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

// Workloads are W1-W7 in the order they run (W2 measures the copies W1 leaves). A
// full run ends with SCALE, W1, W2, W3 and W6 on a tree of Settings.Scale files; a
// quick run on loopback ends with WAN, a small W2 and W3 over the wan link, so that
// CI exercises the link simulator.
func Workloads(s Settings) []Workload {
	ws := []Workload{initialSync{}, noChange{}, editLatency{}, delta{}, forwarding{}, idle{}, loadedLatency{}}
	if !s.Quick {
		ws = append(ws, scaleCase{})
	}
	if s.Quick && s.Link.IsZero() {
		ws = append(ws, onLink{link: LinkNamed("wan"), ws: []Workload{noChange{}, editLatency{}},
			sizes: func(z Sizes) Sizes {
				z.SmallFiles, z.W1Cases, z.W3Trees = z.SmallTree, "b", 1
				return z
			}})
	}
	return ws
}

// onLink runs workloads over a link simulator of their own, with their own sizes: the
// run's Host, Link and Sizes are swapped for theirs while they run. Its ID is the
// link's name in capitals ("WAN").
type onLink struct {
	link  Link
	sizes func(Sizes) Sizes
	ws    []Workload
}

func (o onLink) ID() string { return strings.ToUpper(o.link.Name) }

func (o onLink) Run(ctx context.Context, e *Env) ([]Group, error) {
	host, err := e.linkHost(o.link)
	if err != nil {
		return nil, err
	}
	was, wasLink, wasSizes := e.Host, e.Link, e.Sizes
	e.Host, e.Link, e.Sizes = host, o.link, o.sizes(e.Sizes)
	defer func() { e.Host, e.Link, e.Sizes = was, wasLink, wasSizes }()
	var groups []Group
	var errs []error
	for _, w := range o.ws {
		gs, err := w.Run(ctx, e)
		for i := range gs {
			gs[i].Link = o.link.String()
		}
		groups = append(groups, gs...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s over %s: %w", w.ID(), o.link.Name, err))
		}
	}
	return groups, errors.Join(errs...)
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
		for i := range groups {
			if groups[i].Link == "" {
				groups[i].Link = e.Link.String()
			}
		}
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

// slug is a tool's name as a path element: "rsync -az" → "rsync-az",
// "tar | zstd | ssh" → "tar-zstd-ssh".
func slug(tool string) string {
	return strings.Join(strings.FieldsFunc(tool, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}), "-")
}
