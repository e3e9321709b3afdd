package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/tree"
)

// A cycle that brings many files to one side (a first sync, a large checkout) lands
// them in batches while the rest are still arriving, instead of staging everything
// first: the receiving side's writes, the transfer and the landings overlap. Each
// batch is waited for (every content it needs staged and verified, or given up on),
// made durable and landed by one Transition, and its results are recorded before the
// next lands, so a crash between batches leaves landed what was recorded and, for
// the rest, intents that the next start settles from the disk.

// Bounds of pipelined landing.
const (
	// pipelineFiles and pipelineBytes: from how many staged files, or bytes, a cycle
	// lands in batches.
	pipelineFiles = 1024
	pipelineBytes = 256 << 20
	// A batch holds about a batchesPerCycle-th of the files, at least batchFilesMin,
	// and at most batchBytesMax bytes (a single larger file is a batch of its own).
	batchesPerCycle = 8
	batchFilesMin   = 256
	batchBytesMax   = 64 << 20
)

// pipelineSide returns the side (0 alpha, 1 beta) whose changes this cycle lands in
// batches, or -1: only when one side alone receives, and much.
func pipelineSide(alpha, beta []tree.Change) int {
	side := -1
	switch {
	case len(alpha) > 0 && len(beta) == 0:
		side = 0
	case len(beta) > 0 && len(alpha) == 0:
		side = 1
	default:
		return -1
	}
	files, bytes := creationWeight([][]tree.Change{alpha, beta}[side])
	if files >= pipelineFiles || bytes >= pipelineBytes {
		return side
	}
	return -1
}

// creationWeight counts the files (and their bytes) that changes bring.
func creationWeight(changes []tree.Change) (files, bytes uint64) {
	for _, ch := range changes {
		if ch.From != "" {
			continue
		}
		n := tree.Count(ch.New)
		files, bytes = files+n.Files, bytes+n.TotalFileSize
	}
	return files, bytes
}

// batchFiles is the most files a batch of changes bringing files holds.
func batchFiles(files uint64) int {
	return max(batchFilesMin, int(files/batchesPerCycle))
}

// splitCreations rewrites changes so that no creation of a directory brings more
// than maxFiles files or maxBytes bytes: such a change becomes the creation of the
// directory with its files (or empty, when those alone are too many), followed by the
// creation of each of its entries, split the same way. Applied in order, the result
// creates the same tree. Other changes are kept as they are.
func splitCreations(changes []tree.Change, maxFiles int, maxBytes uint64) []tree.Change {
	out := make([]tree.Change, 0, len(changes))
	var split func(p string, e *tree.Entry)
	split = func(p string, e *tree.Entry) {
		n := tree.Count(e)
		if e.Kind != tree.Directory || (n.Files <= uint64(maxFiles) && n.TotalFileSize <= maxBytes) {
			out = append(out, tree.Change{Path: p, New: e})
			return
		}
		names := make([]string, 0, len(e.Contents))
		for name := range e.Contents {
			names = append(names, name)
		}
		slices.Sort(names)
		shell := map[string]*tree.Entry{}
		var rest []string
		var files, bytes uint64
		for _, name := range names {
			child := e.Contents[name]
			if child.Kind == tree.Directory && !child.Ignored() {
				rest = append(rest, name)
				continue
			}
			c := tree.Count(child)
			files, bytes = files+c.Files, bytes+c.TotalFileSize
			shell[name] = child
		}
		if files > uint64(maxFiles) || bytes > maxBytes {
			// The directory's own files are too many for one change: each is its own.
			shell = map[string]*tree.Entry{}
			rest = names
		}
		out = append(out, tree.Change{Path: p, New: tree.NewDir(shell)})
		for _, name := range rest {
			if _, in := shell[name]; !in {
				split(tree.Join(p, name), e.Contents[name])
			}
		}
	}
	for _, ch := range changes {
		if ch.From != "" || ch.Old != nil || ch.New == nil {
			out = append(out, ch)
			continue
		}
		split(ch.Path, ch.New)
	}
	return out
}

// landingBatches cuts changes, in order, into batches of at most maxFiles files and
// maxBytes bytes each (a change is never cut: one that is larger is a batch alone).
func landingBatches(changes []tree.Change, maxFiles int, maxBytes uint64) [][]tree.Change {
	var batches [][]tree.Change
	start := 0
	var files, bytes uint64
	for i, ch := range changes {
		var n tree.Counts
		if ch.From == "" {
			n = tree.Count(ch.New)
		}
		if i > start && (files+n.Files > uint64(maxFiles) || bytes+n.TotalFileSize > maxBytes) {
			batches = append(batches, changes[start:i])
			start, files, bytes = i, 0, 0
		}
		files, bytes = files+n.Files, bytes+n.TotalFileSize
	}
	if start < len(changes) {
		batches = append(batches, changes[start:])
	}
	return batches
}

// stageAndLand stages the contents changes need on side (from the other endpoint) and
// lands the changes in batches as their contents arrive; intended waits for the
// cycle's intent record, which must be durable before anything lands. It returns
// what transition returns for the side, with the staging's problems first.
func (c *controller) stageAndLand(ctx context.Context, eps [2]endpoint.Endpoint, side int, changes []tree.Change, signatures bool, intended func() error) ([]*tree.Entry, []endpoint.Problem, error) {
	from, to := eps[1-side], eps[side]
	name := [2]string{"alpha", "beta"}[side]
	c.setStatus([2]Status{StatusStagingAlpha, StatusStagingBeta}[side])
	start := time.Now()
	files, _ := creationWeight(changes)
	batches := landingBatches(changes, batchFiles(files), batchBytesMax)

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type staged struct {
		problems []endpoint.Problem
		err      error
	}
	done := make(chan staged, 1)
	needed, err := to.Stage(ctx, stageFiles(changes), signatures)
	if err != nil {
		return nil, nil, fmt.Errorf("staging on %s: %w", name, err)
	}
	if len(needed) == 0 {
		done <- staged{}
	} else {
		recv, err := to.Receiver(sctx)
		if err != nil {
			return nil, nil, fmt.Errorf("staging on %s: %w", name, err)
		}
		pr := c.progress(recv, name, needed)
		go func() {
			serr := from.Supply(sctx, needed, pr)
			problems, cerr := recv.Close()
			done <- staged{problems, errors.Join(serr, cerr)}
		}()
	}
	stop := func(err error) ([]*tree.Entry, []endpoint.Problem, error) {
		cancel()
		<-done
		return nil, nil, err
	}
	if err := intended(); err != nil {
		return stop(err)
	}
	var results []*tree.Entry
	var problems []endpoint.Problem
	var stageResult *staged
	for i, batch := range batches {
		if stageResult == nil {
			select {
			case s := <-done:
				stageResult = &s
			default:
			}
		}
		if stageResult != nil && stageResult.err != nil {
			// Nothing more is coming: what is not landed is retried by the next cycle.
			return nil, nil, fmt.Errorf("staging on %s: %w", name, stageResult.err)
		}
		var rest []tree.Change
		for _, b := range batches[i+1:] {
			rest = append(rest, b...)
		}
		var lists, after [2][]tree.Change
		lists[side], after[side] = batch, rest
		ar, br, ap, bp, err := c.transition(ctx, eps[0], eps[1], lists[0], lists[1], [2][]endpoint.Content{}, [2]bool{}, after)
		if err != nil {
			return stop(err)
		}
		results = append(results, [2][]*tree.Entry{ar, br}[side]...)
		problems = append(problems, [2][]endpoint.Problem{ap, bp}[side]...)
	}
	if stageResult == nil {
		s := <-done
		stageResult = &s
	}
	if stageResult.err != nil {
		return nil, nil, fmt.Errorf("staging on %s: %w", name, stageResult.err)
	}
	c.logf(LevelDebug, "landed %d changes to %s in %d batches (%s after staging began)", len(changes), name, len(batches), time.Since(start).Round(time.Millisecond))
	return results, append(stageResult.problems, problems...), nil
}
