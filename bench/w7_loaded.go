package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// loadedLatency is W7: W3's edits on its smallest tree, timed first on an idle disk,
// then while Sizes.LoadBytes are written to the same file system without syncing, so
// dirty pages pile up as a build's or a container pull's do: half before the first
// loaded edit, the rest in equal parts before each, so every edit finds fresh ones. A cycle
// that synced the whole file system would wait for all of them; one that syncs only
// what it wrote should not notice.
type loadedLatency struct{}

func (loadedLatency) ID() string { return "W7" }

func (loadedLatency) Run(ctx context.Context, e *Env) ([]Group, error) {
	load := fmtBytes(float64(e.Sizes.LoadBytes))
	g := Group{Workload: "W7", Kind: Distribution, Title: fmt.Sprintf("%d edits each: local write → readable remotely, with and without %s being written", e.Sizes.Edits, load)}
	tree, err := e.SmallFilesTree("w7", e.Sizes.SmallTree)
	if err != nil {
		return []Group{g}, err
	}
	f, err := e.StartFerry("W7")
	if err != nil {
		return []Group{g}, err
	}
	idle := Row{Tool: fmt.Sprintf("ferry, %s files, idle disk", commas(tree.Files)), Unit: Seconds}
	loaded := Row{Tool: fmt.Sprintf("ferry, %s files, %s being written", commas(tree.Files), load), Unit: Seconds}
	errs := []error{measureLoaded(ctx, e, f, tree, &idle, &loaded)}
	g.Rows = append(g.Rows, idle, loaded)
	g.Targets = append(g.Targets, Target{Row: loaded.Tool, Stat: Median, Peer: idle.Tool, Bound: 2, Text: "p50 ≤ 2 × the idle disk's"})
	g.Notes = append(g.Notes, fmt.Sprintf("The load is %s appended in 1 MB blocks to a file in the harness's scratch directory (the file system the remote copy is on), never synced: half before the first loaded edit, the rest in equal parts before each.", load))
	errs = append(errs, f.Stop())
	g.Profiles = f.Profiles()
	return []Group{g}, errors.Join(append(errs, ctx.Err())...)
}

// measureLoaded times the idle edits, then the loaded ones, into the rows.
func measureLoaded(ctx context.Context, e *Env, f *Ferry, tree *Tree, idle, loaded *Row) error {
	s, err := startEdits(ctx, e, f, tree, "w7", "W7", 7)
	if err != nil {
		idle.Err, loaded.Err = err.Error(), err.Error()
		return err
	}
	defer s.close()
	idle.Note = s.watchers
	var timeouts int
	idle.Samples, timeouts, err = s.edit(ctx, e.Sizes.Edits)
	idle.Note = withTimeouts(idle.Note, timeouts)
	e.Logf("W7: %s: p50 %s, p99 %s", idle.Tool, fmtDuration(Median.Of(idle.Samples)), fmtDuration(P99.Of(idle.Samples)))
	if err != nil {
		idle.Err = err.Error()
		return err
	}

	// Half of the load is written before the first loaded edit, the rest in equal
	// parts before each: every edit finds fresh dirty pages in flight.
	w, err := newWriter(filepath.Join(e.Work, "w7-load"))
	if err != nil {
		loaded.Err = err.Error()
		return err
	}
	defer w.close()
	pile, chunk := e.Sizes.LoadBytes/2, e.Sizes.LoadBytes/2/int64(max(e.Sizes.Edits, 1))
	if err := w.write(pile); err != nil {
		loaded.Err = err.Error()
		return err
	}
	dirtyBefore := dirtyBytes()
	s.before = func() error { return w.write(chunk) }
	loaded.Samples, timeouts, err = s.edit(ctx, e.Sizes.Edits)
	s.before = nil
	dirtyAfter := dirtyBytes()
	loaded.Note = fmt.Sprintf("%s written before the first edit, then %s before each", fmtBytes(float64(pile)), fmtBytes(float64(chunk)))
	if dirtyBefore >= 0 && dirtyAfter >= 0 {
		loaded.Note += fmt.Sprintf("; dirty pages (/proc/meminfo) %s at the first loaded edit, %s after the last", fmtBytes(float64(dirtyBefore)), fmtBytes(float64(dirtyAfter)))
	}
	loaded.Note = withTimeouts(loaded.Note, timeouts)
	e.Logf("W7: %s: p50 %s, p99 %s (%s)", loaded.Tool, fmtDuration(Median.Of(loaded.Samples)), fmtDuration(P99.Of(loaded.Samples)), loaded.Note)
	if err != nil {
		loaded.Err = err.Error()
		return err
	}
	return f.Healthy("w7")
}

func withTimeouts(note string, timeouts int) string {
	if timeouts == 0 {
		return note
	}
	return strings.TrimPrefix(note+fmt.Sprintf("; %d timeouts", timeouts), "; ")
}

// writer is the load: it appends to a file in 1 MB blocks, never syncing, so what
// it writes stays dirty in memory until the kernel's writeback (or a sync of the file
// system) takes it.
type writer struct {
	f     *os.File
	block []byte
}

func newWriter(name string) (*writer, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("the W7 writer: %w", err)
	}
	w := &writer{f: f, block: make([]byte, 1<<20)}
	io.ReadFull(randomReader(7), w.block) // not zeros, which some file systems skip
	return w, nil
}

// write appends n bytes.
func (w *writer) write(n int64) error {
	for n > 0 {
		k, err := w.f.Write(w.block[:min(int64(len(w.block)), n)])
		n -= int64(k)
		if err != nil {
			return fmt.Errorf("the W7 writer: %w", err)
		}
	}
	return nil
}

// close removes the file, and its dirty pages with it.
func (w *writer) close() {
	w.f.Close()
	os.Remove(w.f.Name())
}

// dirtyBytes is the system's memory waiting to be written to disk (Dirty in
// /proc/meminfo), or -1 where that cannot be read.
func dirtyBytes() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Dirty:"); ok {
			if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64); err == nil {
				return kb << 10
			}
		}
	}
	return -1
}
