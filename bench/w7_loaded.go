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
	"sync/atomic"
	"time"
)

// loadedLatency is W7: W3's edits on its smallest tree, timed first on an idle disk,
// then while another writer puts Sizes.LoadBytes on the same file system without
// syncing, so its dirty pages pile up as a build's or a container pull's do. A cycle
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
	g.Notes = append(g.Notes, fmt.Sprintf("The writer writes %s in 1 MB blocks to a file in the harness's scratch directory (the file system the remote copy is on), never syncing; the loaded edits start once half of it is written.", load))
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

	w := startWriter(filepath.Join(e.Work, "w7-load"), e.Sizes.LoadBytes)
	defer w.stop()
	select {
	case <-w.half:
	case <-ctx.Done():
		return ctx.Err()
	}
	dirtyBefore := dirtyBytes()
	loaded.Samples, timeouts, err = s.edit(ctx, e.Sizes.Edits)
	dirtyAfter := dirtyBytes()
	written, took, werr := w.stop()
	loaded.Note = fmt.Sprintf("the writer wrote %s in %s", fmtBytes(float64(written)), took.Round(time.Millisecond))
	if dirtyBefore >= 0 && dirtyAfter >= 0 {
		loaded.Note += fmt.Sprintf("; dirty pages (/proc/meminfo) %s at the first loaded edit, %s after the last", fmtBytes(float64(dirtyBefore)), fmtBytes(float64(dirtyAfter)))
	}
	loaded.Note = withTimeouts(loaded.Note, timeouts)
	e.Logf("W7: %s: p50 %s, p99 %s (%s)", loaded.Tool, fmtDuration(Median.Of(loaded.Samples)), fmtDuration(P99.Of(loaded.Samples)), loaded.Note)
	err = errors.Join(err, werr)
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

// writer writes a file of a given size in 1 MB blocks, never syncing; half is closed
// when half of it is written (or the writer stopped).
type writer struct {
	name    string
	half    chan struct{}
	done    chan struct{}
	quit    atomic.Bool
	written int64
	took    time.Duration
	err     error
}

func startWriter(name string, size int64) *writer {
	w := &writer{name: name, half: make(chan struct{}), done: make(chan struct{})}
	go w.run(size)
	return w
}

func (w *writer) run(size int64) {
	defer close(w.done)
	halfClosed := false
	defer func() {
		if !halfClosed {
			close(w.half)
		}
	}()
	start := time.Now()
	defer func() { w.took = time.Since(start) }()
	f, err := os.Create(w.name)
	if err != nil {
		w.err = err
		return
	}
	defer f.Close()
	block := make([]byte, 1<<20)
	io.ReadFull(randomReader(7), block) // not zeros, which some file systems skip
	for w.written < size && !w.quit.Load() {
		n, err := f.Write(block[:min(int64(len(block)), size-w.written)])
		w.written += int64(n)
		if err != nil {
			w.err = fmt.Errorf("the W7 writer: %w", err)
			return
		}
		if !halfClosed && w.written >= size/2 {
			close(w.half)
			halfClosed = true
		}
	}
}

// stop stops the writer, removes its file (its dirty pages with it) and reports what
// it wrote; it may be called more than once.
func (w *writer) stop() (written int64, took time.Duration, err error) {
	w.quit.Store(true)
	<-w.done
	os.Remove(w.name)
	return w.written, w.took, w.err
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
