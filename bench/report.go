package bench

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Kind is how a group's rows are summarised.
type Kind int

const (
	// Repeated rows hold one sample per repetition: median, min and max.
	Repeated Kind = iota
	// Distribution rows hold many samples of one run (latencies of many edits or
	// connections, rates of parallel streams): p50, p95, p99 and max.
	Distribution
)

// A Group is one table: a workload's case and metric, with a row per tool.
type Group struct {
	Workload string // "W1"
	Title    string // "(a) initial sync, Go src: 11,478 files, 157 MB: wall time"
	Kind     Kind
	Rows     []Row
	Targets  []Target
	Notes    []string
	Profiles []string // profile files written while this group was measured
	Link     string   // the link it was measured over: Link.String()
}

// A Row is one tool's samples.
type Row struct {
	Tool    string
	Unit    Unit
	Samples []float64
	Err     string // why there are no (or too few) samples
	Note    string // shown after the figures: "3 timeouts"
}

// A Target is one of the goals: a statistic of one row, bounded absolutely or
// as a ratio to a peer row's same statistic.
type Target struct {
	Row     string // the row judged
	Stat    Stat
	Peer    string // the row to divide by; "" for an absolute bound
	Bound   float64
	AtLeast bool   // the value must be at least Bound (rates), not at most
	Text    string // the goal as the issue words it: "≤ 0.8 × rsync"
}

// A Verdict is a Target judged against the figures.
type Verdict struct {
	Target
	Value float64 // the ratio or the absolute statistic; NaN when unknown
	Holds bool
}

// Judge evaluates the group's targets.
func (g *Group) Judge() []Verdict {
	var out []Verdict
	for _, t := range g.Targets {
		v := Verdict{Target: t, Value: g.stat(t.Row, t.Stat)}
		if t.Peer != "" {
			v.Value /= g.stat(t.Peer, t.Stat)
		}
		if !math.IsNaN(v.Value) && !math.IsInf(v.Value, 0) {
			v.Holds = v.Value <= t.Bound
			if t.AtLeast {
				v.Holds = v.Value >= t.Bound
			}
		}
		out = append(out, v)
	}
	return out
}

func (g *Group) row(tool string) *Row {
	for i := range g.Rows {
		if g.Rows[i].Tool == tool {
			return &g.Rows[i]
		}
	}
	return nil
}

func (g *Group) stat(tool string, s Stat) float64 {
	r := g.row(tool)
	if r == nil || r.Err != "" {
		return math.NaN()
	}
	return s.Of(r.Samples)
}

// Outcome says whether v holds, and by how much it misses.
func (v Verdict) Outcome() string {
	switch {
	case math.IsNaN(v.Value) || math.IsInf(v.Value, 0):
		return "not measured"
	case v.Holds:
		return "✓ holds"
	case v.AtLeast:
		return fmt.Sprintf("✗ short by %.0f%%", (1-v.Value/v.Bound)*100)
	default:
		return fmt.Sprintf("✗ misses by %.0f%% (%.1f× the bound)", (v.Value/v.Bound-1)*100, v.Value/v.Bound)
	}
}

// valueText renders the judged value: a ratio, or the statistic in the row's unit.
func (g *Group) valueText(v Verdict) string {
	if v.Peer != "" {
		return fmt.Sprintf("%.3g", v.Value)
	}
	if r := g.row(v.Row); r != nil && v.Stat != MinOverMedian {
		return r.Unit.Format(v.Value)
	}
	return fmt.Sprintf("%.3g", v.Value)
}

// Markdown renders the group as a heading and a table.
func (g *Group) Markdown() string { return g.markdown(&Report{}) }

// markdown renders the group as part of report r (for its links).
func (g *Group) markdown(r *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#### %s %s\n\n", g.Workload, g.Title)
	if g.Link != "" {
		fmt.Fprintf(&b, "Link: %s.\n\n", g.Link)
	}
	verdicts := g.Judge()
	ferry := g.row("ferry")
	switch g.Kind {
	case Repeated:
		b.WriteString("| tool | median | min | max | n | ferry / tool | target | verdict |\n|---|---|---|---|---|---|---|---|\n")
		for _, r := range g.Rows {
			cells := []string{r.Tool}
			if r.Err != "" {
				cells = append(cells, "failed: "+r.Err, "", "", "", "")
			} else {
				cells = append(cells, r.Unit.Format(Median.Of(r.Samples)), r.Unit.Format(Min.Of(r.Samples)),
					r.Unit.Format(Max.Of(r.Samples)), fmt.Sprint(len(r.Samples)), "")
				if ferry != nil && r.Tool != "ferry" && ferry.Err == "" {
					cells[5] = fmt.Sprintf("%.3g", Median.Of(ferry.Samples)/Median.Of(r.Samples))
				}
			}
			cells = append(cells, g.targetCells(verdicts, r.Tool)...)
			if r.Note != "" {
				cells[0] += " (" + r.Note + ")"
			}
			b.WriteString(tableRow(cells))
		}
	case Distribution:
		b.WriteString("| tool | p50 | p95 | p99 | min | max | n | target | verdict |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, r := range g.Rows {
			cells := []string{r.Tool}
			if r.Err != "" {
				cells = append(cells, "failed: "+r.Err, "", "", "", "", "")
			} else {
				for _, s := range []Stat{Median, P95, P99, Min, Max} {
					cells = append(cells, r.Unit.Format(s.Of(r.Samples)))
				}
				cells = append(cells, fmt.Sprint(len(r.Samples)))
			}
			cells = append(cells, g.targetCells(verdicts, r.Tool)...)
			if r.Note != "" {
				cells[0] += " (" + r.Note + ")"
			}
			b.WriteString(tableRow(cells))
		}
	}
	for _, n := range g.Notes {
		b.WriteString("\n" + n + "\n")
	}
	if len(g.Profiles) > 0 {
		b.WriteString("\nProfiles: " + strings.Join(r.links(g.Profiles), ", ") + "\n")
		if missed(verdicts) {
			b.WriteString("\nWhere ferry's CPU time went (whole daemon or agent run for this case, warm-up included):\n\n")
			for _, p := range g.Profiles {
				if !strings.HasSuffix(p, ".cpu.pprof") {
					continue
				}
				if s, err := SummarizeProfile(p); err != nil {
					fmt.Fprintf(&b, "- `%s`: not readable: %v\n", filepath.Base(p), err)
				} else {
					b.WriteString(s.Markdown())
				}
			}
		}
	}
	return b.String()
}

// tableRow renders cells as a Markdown table row, escaping the pipes in them.
func tableRow(cells []string) string {
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	return "| " + strings.Join(cells, " | ") + " |\n"
}

// targetCells are the target and verdict cells of tool's row. In a Repeated group a
// ratio target sits on the peer's row, next to the ratio.
func (g *Group) targetCells(verdicts []Verdict, tool string) []string {
	var texts, outcomes []string
	for _, v := range verdicts {
		on := v.Row == tool
		if g.Kind == Repeated && v.Peer != "" {
			on = v.Peer == tool
		}
		if on {
			texts = append(texts, v.Text)
			outcomes = append(outcomes, fmt.Sprintf("%s: %s", g.valueText(v), v.Outcome()))
		}
	}
	return []string{strings.Join(texts, "; "), strings.Join(outcomes, "; ")}
}

// links renders files as Markdown links relative to the report's directory, so the
// report's links work wherever the repository is checked out.
func (r *Report) links(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("[%s](%s)", filepath.Base(s), r.rel(s))
	}
	return out
}

// rel is p relative to the report's directory (p itself when that cannot be said).
func (r *Report) rel(p string) string {
	if r.Dir == "" {
		return p
	}
	if rp, err := filepath.Rel(r.Dir, p); err == nil {
		return filepath.ToSlash(rp)
	}
	return p
}

// Report is everything one run of the harness measured.
type Report struct {
	Machine  Machine
	Settings Settings
	Started  time.Time
	Elapsed  time.Duration
	Groups   []Group
	Errors   []string // workloads that could not finish
	// LoadAtStart and LoadAtEnd are the 1-minute load averages around the run.
	LoadAtStart, LoadAtEnd string
	// Dir is the directory the report is written to; paths in it are relative to it.
	Dir string
}

// Markdown renders the report: the machine, the method, the targets' summary and
// every table.
func (r *Report) Markdown() string {
	var b strings.Builder
	mode := fmt.Sprintf("full, %d repetitions per tool", r.Settings.Reps)
	if r.Settings.Quick {
		mode = fmt.Sprintf("quick (BENCH_QUICK=1: small workloads, %d repetition(s); not comparable with a full run)", r.Settings.Reps)
	}
	fmt.Fprintf(&b, "# ferry benchmark results\n\nWritten by `make bench` (bench/cmd/ferrybench); every figure below comes from the run described here.\n\n")
	fmt.Fprintf(&b, "- Date: %s (took %s)\n", r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Elapsed.Round(time.Second))
	fmt.Fprintf(&b, "- Commit: %s\n", r.Machine.Commit)
	fmt.Fprintf(&b, "- CPU: %s, %d cores; %s RAM; kernel %s\n", r.Machine.CPU, r.Machine.Cores, fmtBytes(float64(r.Machine.Memory)), r.Machine.Kernel)
	fmt.Fprintf(&b, "- Load average (1 min): %s at the start, %s at the end (%d cores; other work on a shared machine shows here)\n", r.LoadAtStart, r.LoadAtEnd, r.Machine.Cores)
	fmt.Fprintf(&b, "- Tools: %s\n", strings.Join(r.Machine.Tools, "; "))
	fmt.Fprintf(&b, "- Mode: %s\n", mode)
	fmt.Fprintf(&b, "- Link: %s%s\n", r.Settings.Link, r.otherLinks())
	if r.Settings.ProfileDir != "" {
		fmt.Fprintf(&b, "- Profiling: on (BENCH_PROFILE=1): ferry's daemon and agent ran with CPU profiling; profiles in [%s](%s)\n", r.rel(r.Settings.ProfileDir), r.rel(r.Settings.ProfileDir))
	}
	b.WriteString("\n")
	b.WriteString(methodText)

	var all, held []string
	var missed []string
	for i := range r.Groups {
		g := &r.Groups[i]
		for _, v := range g.Judge() {
			line := fmt.Sprintf("%s %s: %s %s, target %s: %s", g.Workload, g.Title, v.Row, v.Stat, v.Text, g.valueText(v))
			if g.Link != "" && g.Link != r.Settings.Link.String() {
				line = fmt.Sprintf("%s %s (over %s): %s %s, target %s: %s", g.Workload, g.Title, g.Link, v.Row, v.Stat, v.Text, g.valueText(v))
			}
			all = append(all, line)
			if v.Holds {
				held = append(held, line)
			} else {
				miss := fmt.Sprintf("- %s — %s", line, v.Outcome())
				if len(g.Profiles) > 0 {
					miss += "; profiles: " + strings.Join(r.links(g.Profiles), ", ")
				}
				missed = append(missed, miss)
			}
		}
	}
	fmt.Fprintf(&b, "\n## Targets\n\n%d of %d targets hold.", len(held), len(all))
	if len(missed) > 0 {
		b.WriteString(" Not met (with profiling on, each table below sums up where ferry's CPU time went; `bench/ANALYSIS.md` reads those figures):\n\n" + strings.Join(missed, "\n") + "\n")
	} else {
		b.WriteString("\n")
	}
	if len(r.Errors) > 0 {
		b.WriteString("\n## Errors\n\n")
		for _, e := range r.Errors {
			b.WriteString("- " + e + "\n")
		}
	}
	b.WriteString("\n## Tables\n")
	last := ""
	for i := range r.Groups {
		g := &r.Groups[i]
		if g.Workload != last {
			fmt.Fprintf(&b, "\n### %s: %s\n", g.Workload, workloadTitles[g.Workload])
			last = g.Workload
		}
		b.WriteString("\n" + g.markdown(r))
	}
	return b.String()
}

var workloadTitles = map[string]string{
	"W1":    "initial sync to an empty remote folder",
	"W2":    "a cycle with nothing changed",
	"W3":    "edit-to-remote latency while watching",
	"W4":    "delta: scattered edits in a large file",
	"W5":    "port forwarding",
	"W6":    "idle cost of a watched session",
	"SCALE": "W1, W2, W3 and W6 on a large generated tree, with memory per entry and restart time",
	"W7":    "edit-to-remote latency while another program fills the disk",
}

// otherLinks names the links of tables measured over another link than the run's.
func (r *Report) otherLinks() string {
	var others []string
	for _, g := range r.Groups {
		if g.Link != "" && g.Link != r.Settings.Link.String() && !slices.Contains(others, g.Link) {
			others = append(others, g.Link)
		}
	}
	if len(others) == 0 {
		return ""
	}
	return "; the tables that say so are over " + strings.Join(others, ", ")
}

// methodText explains how the figures were taken (‹ stands for a backquote).
var methodText = strings.ReplaceAll(`## Method

Everything runs on this machine: a throwaway OpenSSH sshd on 127.0.0.1 (the sshdtest
harness), and every tool reaches it through the same ssh client config. The remote
side is the harness's temp RemoteHome. ferry runs as ‹ferry daemon run‹ started by
the harness, one daemon per workload (so each gets its own profiles), with a temp
data directory; its agent is installed before anything is timed. ferry sessions use
the default mode (two-way-safe). While W1 runs, a small extra session keeps the
daemon's SSH connection to the host open, as a daemon in use has it; the peers pay
their SSH handshake on every run. Tools take turns within each repetition, in a
rotating order. A copy counts only once verified (files and bytes on the remote side
match the source).

- W1: ferry is ‹ferry sync create‹ then ‹ferry sync flush‹, timed together; peers are
  ‹rsync -a -e ssh‹, ‹unison -batch‹ (ssh://), and ‹tar -c | ssh tar -x‹. A fresh remote
  folder each repetition.
- W2: on W1's last copies. ferry: ‹ferry sync flush‹ on the watching session (after a
  daemon restart on the same data directory, and one untimed flush); rsync and unison:
  the same command again. "ferry version" is the CLI's own floor: starting the binary
  and one call to the daemon.
- W3: edits at random intervals (20-120 ms apart), each a whole-file rewrite of a
  random file; latency is from the start of the local write until the remote file
  reads back the new content (inotify on the remote directory, plus a 20 ms poll as a
  fallback). A 10 s timeout counts as 10 s.
- W4: bytes are counted by a TCP proxy between the ssh client and sshd (both
  directions, including the SSH handshake for rsync); wall time from the end of the
  edits until ‹ferry sync flush‹ returns, or ‹rsync -a‹ exits.
- W5: the target service runs on 127.0.0.1; ferry's forward is ‹ferry forward create
  tcp:127.0.0.1:P devbox:tcp:127.0.0.1:T‹, the baseline ‹ssh -N -L‹. Throughput: one
  stream moves the bytes and waits for the service's acknowledgement (upload), or
  reads until the service closes (download). Connect: dial, send a one-byte request,
  read the one-byte response, close; sequential (and, with no target, the same for a
  service that writes first on accept). Parallel: every stream writes as fast as it
  can; the service counts each stream's bytes over a window once all are connected.
  A stream is starved when it moves less than a tenth of the median stream.
- W6: CPU time (utime+stime from /proc/PID/stat) and VmRSS of the daemon and the
  agent over the idle period, after the initial sync and 2 s of settling.
- W7: W3's edits on its smallest tree, first on an idle disk, then while the harness
  appends 1.5 GB (200 MB when quick) in 1 MB blocks to a file in its scratch
  directory, on the file system of the remote copy, never syncing, so dirty pages
  pile up: half before the first loaded edit, the rest in equal parts before each.
  A cycle that synced the whole file system would wait for those pages.
- Links: with ‹BENCH_LINK=lan|wan|far‹ every tool (ferry's daemon, rsync, unison,
  tar | ssh, ssh -L) reaches sshd through a link simulator, a userspace TCP proxy
  that delays each direction by half the RTT and caps its rate with a token bucket
  (16 KB deep), in order, holding at most two bandwidth-delay products per
  direction: lan is 1 ms RTT and 1 Gbit/s each way, wan 40 ms and 50 Mbit/s, far
  120 ms and 10 Mbit/s. Without it the tools reach sshd on loopback. A quick run on
  loopback ends with WAN: W2 on a small tree and W3 on the smallest tree over wan.
  Each table names its link. W4 counts bytes in a proxy of its own over the same link.
- Peers ‹rsync -az‹ and ‹tar | zstd | ssh‹ (zstd's default level, undone by
  ‹zstd -d‹ on the remote side) compress; on loopback that costs CPU and saves nothing,
  over a capped link it can win.
`, "‹", "`")

// missed reports whether any verdict failed.
func missed(verdicts []Verdict) bool {
	for _, v := range verdicts {
		if !v.Holds {
			return true
		}
	}
	return false
}
