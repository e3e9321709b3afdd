package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/tree"
)

// A cycle that brings many files to one side (a first sync, a large checkout) lands
// them in batches while the rest are still arriving, instead of staging everything
// first: the receiving side's writes, the transfer and the landings overlap. Each
// landing takes every change whose contents have all been sent by then (so batches
// grow while landings are slower than the transfer, and the last one is small), waits
// for those contents to be staged and verified (or given up on), makes them durable,
// lands them by one Transition and records the results before the next, so a crash
// between batches leaves landed what was recorded and, for the rest, intents that
// the next start settles from the disk.

// Bounds of pipelined landing.
const (
	// pipelineFiles and pipelineBytes: from how many staged files, or bytes, a cycle
	// lands in batches.
	pipelineFiles = 1024
	pipelineBytes = 256 << 20
	// A creation is split into changes of at most unitFiles files and unitBytes bytes
	// (a single larger file is a change of its own): the units batches are made of.
	unitFiles = 256
	unitBytes = 16 << 20
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

// sentFiles tracks which needed files the supplier has passed on (in any order),
// for the lander: prefix is how many of the first are all passed on.
type sentFiles struct {
	mu     sync.Mutex
	sent   []bool
	prefix int
	wake   chan struct{} // closed (and replaced) when prefix grows
}

func newSentFiles(n int) *sentFiles {
	return &sentFiles{sent: make([]bool, n), wake: make(chan struct{})}
}

func (s *sentFiles) mark(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < 0 || i >= len(s.sent) || s.sent[i] {
		return
	}
	s.sent[i] = true
	grew := false
	for s.prefix < len(s.sent) && s.sent[s.prefix] {
		s.prefix, grew = s.prefix+1, true
	}
	if grew {
		close(s.wake)
		s.wake = make(chan struct{})
	}
}

func (s *sentFiles) state() (int, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.prefix, s.wake
}

// lastNeeded returns, for each change, the highest index in needed of a content it or
// an earlier change needs (-1 for none): change j can land once every needed file up
// to lastNeeded[j] is sent.
func lastNeeded(changes []tree.Change, needed []endpoint.Needed) []int {
	index := make(map[tree.Digest]int, len(needed))
	for i, n := range needed {
		index[n.Digest] = i
	}
	out := make([]int, len(changes))
	last := -1
	for j, ch := range changes {
		if ch.From == "" {
			tree.Walk(ch.New, ch.Path, func(_ string, e *tree.Entry) bool {
				if i, ok := index[e.Digest]; ok && e.Kind == tree.File {
					last = max(last, i)
				}
				return true
			})
		}
		out[j] = last
	}
	return out
}

// readyEnd returns the end of the next batch starting at next: every change after
// it whose contents are sent (all of them once the supply finished).
func readyEnd(need []int, next, prefix int, finished bool) int {
	end := next
	for end < len(need) && (finished || need[end] < prefix) {
		end++
	}
	return end
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
	needed, err := to.Stage(ctx, stageFiles(changes), signatures)
	if err != nil {
		return nil, nil, fmt.Errorf("staging on %s: %w", name, err)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The supply's outcome is in staged once supplied is closed.
	var staged struct {
		problems []endpoint.Problem
		err      error
	}
	supplied := make(chan struct{})
	sent := newSentFiles(len(needed))
	if len(needed) == 0 {
		close(supplied)
	} else {
		recv, err := to.Receiver(sctx)
		if err != nil {
			return nil, nil, fmt.Errorf("staging on %s: %w", name, err)
		}
		pr := c.progress(recv, name, needed)
		pr.sent = sent
		go func() {
			defer close(supplied)
			serr := from.Supply(sctx, needed, pr)
			problems, cerr := recv.Close()
			staged.problems, staged.err = problems, errors.Join(serr, cerr)
		}()
	}
	stop := func(err error) ([]*tree.Entry, []endpoint.Problem, error) {
		cancel()
		<-supplied
		return nil, nil, err
	}
	if err := intended(); err != nil {
		return stop(err)
	}
	need := lastNeeded(changes, needed)
	var results []*tree.Entry
	var problems []endpoint.Problem
	batches := 0
	for next := 0; next < len(changes); {
		var end int
		for {
			prefix, wake := sent.state()
			finished := false
			select {
			case <-supplied:
				finished = true
			default:
			}
			if finished && staged.err != nil {
				// Nothing more is coming: what is not landed is retried by the next cycle.
				return nil, nil, fmt.Errorf("staging on %s: %w", name, staged.err)
			}
			if end = readyEnd(need, next, prefix, finished); end > next {
				break
			}
			select {
			case <-wake:
			case <-supplied:
			case <-ctx.Done():
				return stop(ctx.Err())
			}
		}
		var lists, after [2][]tree.Change
		lists[side], after[side] = changes[next:end], changes[end:]
		ar, br, ap, bp, err := c.transition(ctx, eps[0], eps[1], lists[0], lists[1], [2][]endpoint.Content{}, [2]bool{}, after)
		if err != nil {
			return stop(err)
		}
		results = append(results, [2][]*tree.Entry{ar, br}[side]...)
		problems = append(problems, [2][]endpoint.Problem{ap, bp}[side]...)
		next, batches = end, batches+1
	}
	<-supplied
	if staged.err != nil {
		return nil, nil, fmt.Errorf("staging on %s: %w", name, staged.err)
	}
	c.logf(LevelDebug, "landed %d changes to %s in %d batches (%s from staging)", len(changes), name, batches, time.Since(start).Round(time.Millisecond))
	return results, append(staged.problems, problems...), nil
}
