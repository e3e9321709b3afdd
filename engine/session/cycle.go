package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/fold"
	"github.com/ferrysync/ferry/engine/memory"
	"github.com/ferrysync/ferry/engine/reconcile"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/tree"
)

// cycleOutcome tells the loop what a cycle left to do.
type cycleOutcome struct {
	// rescan: some paths were skipped or failed; scan again soon.
	rescan bool
	// rules: the cycle wrote or removed an ignore file, so what a side holds changed
	// beyond what it transitioned; a flush needs another cycle to see it.
	rules bool
}

// sideScan is one side's scan, with what was derived from it.
type sideScan struct {
	res      *endpoint.ScanResult
	counts   tree.Counts
	problems []endpoint.Problem
	// renames are changes of spelling only to apply on this side (see package fold).
	renames []fold.Rename
}

// cycleOptions carry what flush requests asked of a cycle.
type cycleOptions struct {
	resolutions    []*resolution
	allowDeletions bool
	// barrier: a flush waits for this cycle, so its scans must include every change
	// made before the flush began.
	barrier bool
}

// cycle runs one synchronization cycle: scan, reconcile, stage, transition, save.
func (c *controller) cycle(ctx context.Context, alpha, beta endpoint.Endpoint, full bool, opts cycleOptions) (cycleOutcome, error) {
	if c.replicaErr != nil {
		return cycleOutcome{}, c.replicaErr
	}
	if err := c.saver.Err(); err != nil {
		return cycleOutcome{}, fmt.Errorf("saving the ancestor: %w", err)
	}
	spec := c.snapshot().Spec
	timing := phaseTimer{start: time.Now(), last: time.Now()}
	as, bs, res, err := c.look(ctx, alpha, beta, endpoint.ScanOptions{Full: full, Barrier: opts.barrier}, spec)
	if err != nil {
		return cycleOutcome{}, err
	}
	if as, bs, res, err = c.settleDeletions(ctx, [2]endpoint.Endpoint{alpha, beta}, as, bs, res, spec); err != nil {
		return cycleOutcome{}, err
	}
	timing.mark("scan")
	resolving := applyResolutions(&res, opts.resolutions)
	churns := [2]churn{fileChurn(res.AlphaChanges), fileChurn(res.BetaChanges)}
	if opts.allowDeletions {
		c.recentChurn = [2][]churn{}
	} else {
		for i, side := range []string{"alpha", "beta"} {
			counts := []tree.Counts{as.counts, bs.counts}[i]
			if err := c.checkMassDeletion(spec, i, side, churns[i], counts); err != nil {
				return cycleOutcome{}, err
			}
		}
	}
	c.mu.Lock()
	c.all = res.Conflicts
	c.mu.Unlock()

	alphaChanges, alphaLarge := pruneLarge(res.AlphaChanges, spec.Config.MaxFileSize)
	betaChanges, betaLarge := pruneLarge(res.BetaChanges, spec.Config.MaxFileSize)
	alphaChanges, alphaLinks := pruneUnsupported(alphaChanges, as.res.FileSystem, "alpha")
	betaChanges, betaLinks := pruneUnsupported(betaChanges, bs.res.FileSystem, "beta")
	alphaLarge, betaLarge = append(alphaLarge, alphaLinks...), append(betaLarge, betaLinks...)
	alphaChanges, betaChanges = renameChanges(as.renames, alphaChanges), renameChanges(bs.renames, betaChanges)
	aProblems, bProblems := alphaLarge, betaLarge
	// Much to bring to one side: it lands in batches as it arrives (see pipeline.go).
	pipelined := pipelineSide(alphaChanges, betaChanges)
	if pipelined >= 0 {
		lists := [2]*[]tree.Change{&alphaChanges, &betaChanges}
		*lists[pipelined] = splitCreations(*lists[pipelined], unitFiles, unitBytes)
	}

	timing.mark("reconcile")
	// The intent is made durable while contents are staged, and before anything lands.
	seqBefore := c.seq
	intended := c.intend(alphaChanges, betaChanges)
	defer intended()
	signatures := !isLocal(spec.Alpha) || !isLocal(spec.Beta)
	// Small contents from a local side to a remote one travel with the transition
	// itself (one round trip); the rest is staged first.
	var inline [2][]endpoint.Content
	var inlined [2]bool
	// The results of a pipelined side's landings, and their problems.
	var landed []*tree.Entry
	var landedProblems []endpoint.Problem
	if pipelined >= 0 {
		changes := [2][]tree.Change{alphaChanges, betaChanges}[pipelined]
		var err error
		landed, landedProblems, err = c.stageAndLand(ctx, [2]endpoint.Endpoint{alpha, beta}, pipelined, changes, signatures, intended)
		if err != nil {
			return cycleOutcome{}, err
		}
	} else if len(betaChanges) > 0 {
		if inline[1], inlined[1] = c.inlineContents(ctx, alpha, beta, spec.Alpha, betaChanges); !inlined[1] {
			c.setStatus(StatusStagingBeta)
			p, err := c.stage(ctx, alpha, beta, "beta", betaChanges, signatures)
			if err != nil {
				return cycleOutcome{}, fmt.Errorf("staging on beta: %w", err)
			}
			bProblems = append(bProblems, p...)
		}
	}
	if len(alphaChanges) > 0 && pipelined < 0 {
		if inline[0], inlined[0] = c.inlineContents(ctx, beta, alpha, spec.Beta, alphaChanges); !inlined[0] {
			c.setStatus(StatusStagingAlpha)
			p, err := c.stage(ctx, beta, alpha, "alpha", alphaChanges, signatures)
			if err != nil {
				return cycleOutcome{}, fmt.Errorf("staging on alpha: %w", err)
			}
			aProblems = append(aProblems, p...)
		}
	}

	timing.mark("stage")
	if err := intended(); err != nil {
		return cycleOutcome{}, err
	}
	// Files caught changing while read are read again soon, with backoff, even if no
	// event says so (writes through mmap are not reported).
	out := cycleOutcome{rescan: as.res.Changing || bs.res.Changing}
	if len(alphaChanges)+len(betaChanges) > 0 {
		var ar, br []*tree.Entry
		var ap, bp []endpoint.Problem
		switch pipelined {
		case 0:
			ar, ap = landed, landedProblems
		case 1:
			br, bp = landed, landedProblems
		default:
			c.update(func(s *State) { s.Status, s.Staging = StatusTransitioning, nil })
			var err error
			ar, br, ap, bp, err = c.transition(ctx, alpha, beta, alphaChanges, betaChanges, inline, inlined, [2][]tree.Change{})
			if err != nil {
				return cycleOutcome{}, err
			}
		}
		as.counts = adjustCounts(as.counts, alphaChanges, ar)
		bs.counts = adjustCounts(bs.counts, betaChanges, br)
		now := time.Now()
		for i, ch := range churns {
			if ch.deleted > 0 || ch.created > 0 {
				ch.at = now
				c.recentChurn[i] = append(c.recentChurn[i], ch)
			}
		}
		reportResolutions(resolving, append(ap, bp...))
		out.rescan = out.rescan || len(ap)+len(bp) > 0
		out.rules = changesRules(alphaChanges, spec.Config.GitIgnore) || changesRules(betaChanges, spec.Config.GitIgnore)
		aProblems, bProblems = append(aProblems, ap...), append(bProblems, bp...)
		timing.mark("transition")
		c.setStatus(StatusSaving)
	}
	if c.recorded != c.ancestor {
		if err := c.recordAncestor(); err != nil {
			return cycleOutcome{}, err
		}
	}
	if c.seq != seqBefore {
		c.saver.Save(c.ancestor, c.seq)
	}

	if n := len(alphaChanges) + len(betaChanges); n > 0 || len(res.Conflicts) > 0 {
		timing.mark("save")
		c.logf(LevelInfo, "cycle: %d changes to alpha, %d to beta, %d conflicts, %d problems (%s)",
			len(alphaChanges), len(betaChanges), len(res.Conflicts), len(aProblems)+len(bProblems), timing)
	}
	for _, p := range aProblems {
		c.logf(LevelDebug, "alpha %s: %s", p.Path, p.Error)
	}
	for _, p := range bProblems {
		c.logf(LevelDebug, "beta %s: %s", p.Path, p.Error)
	}
	memory.ReleaseAfter(time.Since(timing.start))
	c.update(func(s *State) {
		s.Alpha = sideState(s.Alpha, as, aProblems)
		s.Beta = sideState(s.Beta, bs, bProblems)
		s.ConflictCount = len(res.Conflicts)
		s.Conflicts = res.Conflicts[:min(len(res.Conflicts), maxListed)]
		s.Staging = nil
		s.LastError = ""
		s.Cycles++
		s.LastCycle = time.Now()
	})
	return out, nil
}

// changesRules reports whether changes write or remove an ignore file (see
// scan.RulesFile): the side they land on then holds more or less than its last scan
// saw, and the next cycle finds out.
func changesRules(changes []tree.Change, gitignore bool) bool {
	for _, c := range changes {
		if _, ok := scan.RulesFile(c.Path, gitignore); ok {
			return true
		}
		if _, ok := scan.RulesFile(c.From, gitignore); ok && c.From != "" {
			return true
		}
	}
	return false
}

// settlePending records in the ancestor what an interrupted transition (a crash)
// did, judged from the sides' first scans since.
func (c *controller) settlePending(alpha, beta *tree.Entry) error {
	patches := settleIntents(c.pending, [2]*tree.Entry{alpha, beta})
	c.ancestor = applyInOrder(c.ancestor, patches)
	if err := c.journal.record(c.seq, patches); err != nil {
		return err
	}
	c.recorded, c.pending = c.ancestor, nil
	return nil
}

// intend starts writing the cycle's intent record: the agreements its reconcile found
// and the changes it will apply. The function it returns waits for the write (durable
// when it returns nil); it may be called more than once.
func (c *controller) intend(alpha, beta []tree.Change) func() error {
	done := make(chan error, 1)
	wait := sync.OnceValue(func() error { return <-done })
	patches := tree.Diff(c.recorded, c.ancestor)
	intents := intentsOf(alpha, beta)
	if len(patches)+len(intents) == 0 {
		done <- nil
		return wait
	}
	c.seq++
	c.recorded = c.ancestor
	seq := c.seq
	go func() {
		if err := c.journal.intend(seq, patches, intents); err != nil {
			done <- fmt.Errorf("recording the cycle: %w", err)
			return
		}
		done <- nil
	}()
	return wait
}

// recordAncestor writes what changed in the ancestor since the journal last had it,
// and schedules a snapshot.
func (c *controller) recordAncestor() error {
	c.seq++
	if err := c.journal.record(c.seq, tree.Diff(c.recorded, c.ancestor)); err != nil {
		return fmt.Errorf("recording the cycle: %w", err)
	}
	c.recorded = c.ancestor
	return nil
}

// look scans both sides, settles what a crash left pending, checks the halts and
// reconciles. The ancestor takes in the agreements found.
func (c *controller) look(ctx context.Context, alpha, beta endpoint.Endpoint, scan endpoint.ScanOptions, spec Spec) (as, bs sideScan, res reconcile.Result, err error) {
	c.setQuietStatus(StatusScanning)
	as, bs, err = c.scan(ctx, alpha, beta, scan)
	if err != nil {
		return as, bs, res, err
	}
	if as.res.NoExecutability {
		as.res.Root = propagateExecutability(as.res.Root, c.ancestor, bs.res.Root, "")
	}
	if bs.res.NoExecutability {
		bs.res.Root = propagateExecutability(bs.res.Root, c.ancestor, as.res.Root, "")
	}
	c.alignNames(&as, &bs)
	if ids := [2]string{as.res.RootID, bs.res.RootID}; ids != c.rootIDs {
		if err := checkRootIDs(c.dir, spec, c.ancestor, ids); err != nil {
			return as, bs, res, err
		}
		c.rootIDs = ids
	}
	if len(c.pending) > 0 {
		if err := c.settlePending(as.res.Root, bs.res.Root); err != nil {
			return as, bs, res, err
		}
	}
	if err := checkHalts(c.ancestor, as.res.Root, bs.res.Root, spec); err != nil {
		return as, bs, res, err
	}
	c.setQuietStatus(StatusReconciling)
	res = reconcile.Reconcile(c.ancestor, as.res.Root, bs.res.Root, spec.Config.Mode)
	c.ancestor = res.Ancestor
	return as, bs, res, nil
}

// alignNames aligns the spelling of names with each side that does not tell some
// names apart (package fold): colliding names become untracked on both sides, and
// such a side's spellings follow the other's, by renames where the other side changed
// a spelling.
func (c *controller) alignNames(as, bs *sideScan) {
	sides := [2]*sideScan{as, bs}
	for i, name := range []string{"alpha", "beta"} {
		this, other := sides[i], sides[1-i]
		f := this.res.FileSystem
		if f == nil || (!f.CaseInsensitive && !f.UnicodeInsensitive) {
			continue
		}
		r := fold.Align(c.ancestor, this.res.Root, other.res.Root, fold.Rules{Case: f.CaseInsensitive, Unicode: f.UnicodeInsensitive}, name)
		if r.This == this.res.Root && r.Other == other.res.Root && len(r.Renames) == 0 {
			continue
		}
		// The scan results are the endpoints'; the aligned trees are this cycle's view.
		tr, or := *this.res, *other.res
		tr.Root, or.Root = r.This, r.Other
		this.res, other.res = &tr, &or
		this.renames = append(this.renames, r.Renames...)
	}
	for i, s := range sides {
		s.counts, s.problems = c.derive(i, s.res.Root)
	}
}

// renameChanges turns spelling renames into changes, which come first.
func renameChanges(renames []fold.Rename, changes []tree.Change) []tree.Change {
	if len(renames) == 0 {
		return changes
	}
	out := make([]tree.Change, 0, len(renames)+len(changes))
	for _, r := range renames {
		out = append(out, tree.Change{Path: r.To, From: r.From, Old: r.Entry, New: r.Entry})
	}
	return append(out, changes...)
}

// How long a side that deleted files must be quiet before the deletions propagate
// (longer when much is deleted), how long one wait may last, and how many waits a
// cycle makes at most.
const (
	deletionQuiet      = 200 * time.Millisecond
	deletionQuietLarge = time.Second
	deletionWaitMax    = 10 * time.Second
	deletionLooksMax   = 5
)

// settleDeletions decides on deletions with the deleting side in view: a large
// deletion (an "rm -rf" of the root's contents, or of the root) reaches the watcher
// over many events, and a cycle that starts in its midst sees only part of it. So
// when a cycle would delete files on a side, it first waits until the other side has
// been quiet for a moment, then looks again (with a barrier); it repeats while the
// deletion grows. The last look is what the cycle acts on, so the root-loss and
// mass-deletion halts judge the whole deletion, and none of it propagates first.
func (c *controller) settleDeletions(ctx context.Context, eps [2]endpoint.Endpoint, as, bs sideScan, res reconcile.Result, spec Spec) (sideScan, sideScan, reconcile.Result, error) {
	var looked [2]int64 // the losses each side's changes had at the last look
	for range deletionLooksMax {
		losses := [2]int64{fileChurn(res.AlphaChanges).loss(), fileChurn(res.BetaChanges).loss()}
		files := [2]uint64{as.counts.Files, bs.counts.Files}
		wait := time.Duration(0)
		for i := range losses {
			if losses[i] <= looked[i] {
				continue
			}
			q := deletionQuiet
			if losses[i] >= massDeletionMin || uint64(losses[i])*4 >= files[i] {
				q = deletionQuietLarge
			}
			wait = max(wait, q)
		}
		if wait == 0 {
			break
		}
		looked = losses
		// Files leave a side because the other one deleted them.
		var deleting []endpoint.Endpoint
		for i := range losses {
			if losses[i] > 0 {
				deleting = append(deleting, eps[1-i])
			}
		}
		if err := awaitQuiet(ctx, deleting, wait); err != nil {
			return as, bs, res, err
		}
		var err error
		if as, bs, res, err = c.look(ctx, eps[0], eps[1], endpoint.ScanOptions{Barrier: true}, spec); err != nil {
			return as, bs, res, err
		}
	}
	return as, bs, res, nil
}

// awaitQuiet returns once none of the endpoints has reported a change for quiet, or
// after deletionWaitMax.
func awaitQuiet(ctx context.Context, eps []endpoint.Endpoint, quiet time.Duration) error {
	limit := time.NewTimer(deletionWaitMax)
	defer limit.Stop()
	t := time.NewTimer(quiet)
	defer t.Stop()
	changes := make([]<-chan struct{}, 2)
	for i, e := range eps {
		changes[i] = e.Changes()
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-limit.C:
			return nil
		case <-t.C:
			return nil
		case _, ok := <-changes[0]:
			if !ok {
				return errors.New("disconnected")
			}
		case _, ok := <-changes[1]:
			if !ok {
				return errors.New("disconnected")
			}
		}
		t.Reset(quiet)
	}
}

// applyResolutions turns the conflicts that resolutions name into changes on the side
// that loses, and returns which resolution each resolving path belongs to.
func applyResolutions(res *reconcile.Result, resolutions []*resolution) map[string]*resolution {
	if len(resolutions) == 0 {
		return nil
	}
	resolving := map[string]*resolution{}
	var left []reconcile.Conflict
	for _, cf := range res.Conflicts {
		var r *resolution
		for _, cand := range resolutions {
			if cand.paths == nil || cand.paths[cf.Path] {
				r = cand
			}
		}
		if r == nil {
			left = append(left, cf)
			continue
		}
		resolving[cf.Path] = r
		if r.keepAlpha {
			res.BetaChanges = append(res.BetaChanges, tree.Change{Path: cf.Path, Old: cf.Beta, New: stripUntracked(cf.Alpha)})
		} else {
			res.AlphaChanges = append(res.AlphaChanges, tree.Change{Path: cf.Path, Old: cf.Alpha, New: stripUntracked(cf.Beta)})
		}
	}
	res.Conflicts = left
	for _, r := range resolutions {
		for p := range r.paths {
			if resolving[p] == nil {
				r.failed = append(r.failed, endpoint.Problem{Path: p, Error: "not in conflict"})
			}
		}
	}
	return resolving
}

// reportResolutions records, per resolution, which paths the transition resolved.
func reportResolutions(resolving map[string]*resolution, problems []endpoint.Problem) {
	failed := map[string]string{}
	for _, p := range problems {
		for path := range resolving {
			if tree.HasPrefix(p.Path, path) {
				failed[path] = p.Error
			}
		}
	}
	for path, r := range resolving {
		if why, ok := failed[path]; ok {
			r.failed = append(r.failed, endpoint.Problem{Path: path, Error: why})
		} else {
			r.resolved = append(r.resolved, path)
		}
	}
}

// stripUntracked drops untracked entries from an entry about to be created.
func stripUntracked(e *tree.Entry) *tree.Entry {
	if e == nil || e.Kind == tree.Untracked {
		return nil
	}
	if e.Kind != tree.Directory {
		return e
	}
	contents := make(map[string]*tree.Entry, len(e.Contents))
	for name, child := range e.Contents {
		if s := stripUntracked(child); s != nil {
			contents[name] = s
		}
	}
	return tree.NewDir(contents)
}

// scan scans both sides at once.
func (c *controller) scan(ctx context.Context, alpha, beta endpoint.Endpoint, opts endpoint.ScanOptions) (as, bs sideScan, err error) {
	var wg sync.WaitGroup
	var aerr, berr error
	wg.Add(2)
	go func() { defer wg.Done(); as.res, aerr = alpha.Scan(ctx, opts) }()
	go func() { defer wg.Done(); bs.res, berr = beta.Scan(ctx, opts) }()
	wg.Wait()
	if aerr != nil {
		return as, bs, fmt.Errorf("scanning alpha: %w", aerr)
	}
	if berr != nil {
		return as, bs, fmt.Errorf("scanning beta: %w", berr)
	}
	as.counts, as.problems = c.derive(0, as.res.Root)
	bs.counts, bs.problems = c.derive(1, bs.res.Root)
	return as, bs, nil
}

// derive counts a scanned tree and lists its untracked entries, reusing the previous
// cycle's figures when the tree is the same.
func (c *controller) derive(side int, root *tree.Entry) (tree.Counts, []endpoint.Problem) {
	d := &c.derived[side]
	if d.valid && d.root == root {
		return d.counts, d.problems
	}
	var problems []endpoint.Problem
	tree.Walk(root, "", func(p string, e *tree.Entry) bool {
		if e.Kind == tree.Untracked && !e.Ignored() {
			problems = append(problems, endpoint.Problem{Path: p, Error: e.Problem()})
		}
		return tree.Count(e).Untracked > 0 // skip subtrees without any
	})
	slices.SortFunc(problems, func(a, b endpoint.Problem) int { return strings.Compare(a.Path, b.Path) })
	*d = derived{valid: true, root: root, counts: tree.Count(root), problems: problems}
	return d.counts, d.problems
}

// derived caches what a cycle computes from a side's tree.
type derived struct {
	valid    bool
	root     *tree.Entry
	counts   tree.Counts
	problems []endpoint.Problem
}

func sideState(prev EndpointState, s sideScan, cycle []endpoint.Problem) EndpointState {
	all := append(slices.Clip(s.problems), cycle...)
	prev.Link, prev.Scanned = LinkConnected, true
	prev.Counts = s.counts
	prev.Watch, prev.WatchProblem = s.res.Watch, s.res.WatchProblem
	if s.res.FileSystem != nil {
		prev.FileSystem = s.res.FileSystem
	}
	prev.ProblemCount = len(all)
	prev.Problems = all[:min(len(all), maxListed)]
	return prev
}

// propagateExecutability gives the files of a side without executable bits the bit
// the ancestor has for them, else the other side's, so such a side never flips the
// bit on the other one.
func propagateExecutability(e, anc, other *tree.Entry, path string) *tree.Entry {
	switch {
	case e == nil:
		return nil
	case e.Kind == tree.File:
		src := tree.Lookup(anc, path)
		if src == nil || src.Kind != tree.File {
			src = tree.Lookup(other, path)
		}
		if src != nil && src.Kind == tree.File && src.Executable != e.Executable {
			return tree.NewFile(e.Size, e.Digest, src.Executable)
		}
		return e
	case e.Kind != tree.Directory:
		return e
	}
	var contents map[string]*tree.Entry
	for name, child := range e.Contents {
		if nc := propagateExecutability(child, anc, other, tree.Join(path, name)); nc != child {
			if contents == nil {
				contents = make(map[string]*tree.Entry, len(e.Contents))
				for k, v := range e.Contents {
					contents[k] = v
				}
			}
			contents[name] = nc
		}
	}
	if contents == nil {
		return e
	}
	return tree.NewDir(contents)
}

// checkHalts refuses to propagate the loss of a whole root.
func checkHalts(anc, alpha, beta *tree.Entry, spec Spec) error {
	oneWay := spec.Config.Mode == reconcile.OneWaySafe || spec.Config.Mode == reconcile.OneWayReplica
	ancHasContent := anc != nil && anc.Kind == tree.Directory && len(anc.Contents) > 0
	for _, side := range []struct {
		name, url  string
		root       *tree.Entry
		propagates bool
	}{{"alpha", spec.Alpha, alpha, true}, {"beta", spec.Beta, beta, !oneWay}} {
		switch {
		case side.root != nil && side.root.Kind != tree.Directory:
			return &haltError{StatusHaltedRootTypeChange, fmt.Sprintf(
				"the %s root %s is no longer a directory; restore it, then the session resumes by itself", side.name, side.url)}
		case !ancHasContent || !side.propagates:
		case side.root == nil:
			return &haltError{StatusHaltedRootDeleted, fmt.Sprintf(
				"the %s root %s was deleted; restore it, or run \"ferry sync reset\" to copy the other side back into it", side.name, side.url)}
		case len(side.root.Contents) == 0:
			return &haltError{StatusHaltedRootEmptied, fmt.Sprintf(
				"the %s root %s was emptied; ferry will not delete everything on the other side. Restore it, or run \"ferry sync reset\" to copy the other side back", side.name, side.url)}
		}
	}
	return nil
}

// massDeletionMin is the fewest files a side must lose before the mass-deletion halt
// considers it.
const massDeletionMin = 50

// massDeletionWindow is how far back deletions count toward the mass-deletion halt:
// a large deletion seen by the watcher may arrive over several cycles.
const massDeletionWindow = 30 * time.Second

// churn counts the files a cycle's changes remove from and add to a side.
type churn struct {
	at               time.Time
	deleted, created uint64
}

// loss is the net number of files the churn removes.
func (c churn) loss() int64 { return int64(c.deleted) - int64(c.created) }

// fileChurn counts the files changes remove and add.
func fileChurn(changes []tree.Change) churn {
	var c churn
	for _, ch := range changes {
		switch o, nw := tree.Count(ch.Old).Files, tree.Count(ch.New).Files; {
		case o > nw:
			c.deleted += o - nw
		case nw > o:
			c.created += nw - o
		}
	}
	return c
}

// checkMassDeletion halts a cycle whose net loss of files on a side, with that of the
// cycles of the last massDeletionWindow, exceeds the configured share of the side's
// files. Files created meanwhile offset deletions, so renames and steady editing never
// count as a loss.
func (c *controller) checkMassDeletion(spec Spec, i int, side string, now churn, counts tree.Counts) error {
	share := spec.Config.withDefaults().MaxDeletionShare
	if share >= 1 || now.loss() <= 0 {
		return nil
	}
	var recent int64
	kept := c.recentChurn[i][:0]
	for _, ch := range c.recentChurn[i] {
		if time.Since(ch.at) < massDeletionWindow {
			kept = append(kept, ch)
			recent += ch.loss()
		}
	}
	c.recentChurn[i] = kept
	recent = max(recent, 0)
	total := now.loss() + recent
	if total < massDeletionMin || float64(total) <= share*float64(int64(counts.Files)+recent) {
		return nil
	}
	name := spec.label()
	return &haltError{StatusHaltedMassDeletion, fmt.Sprintf(
		"this cycle would delete %d of the %d files on %s (%d within %s, more than %.0f%%); if that is intended, run \"ferry sync flush --allow-deletions %s\"; otherwise restore the files on the other side or reset the session",
		now.deleted, counts.Files, side, total, massDeletionWindow, share*100, name)}
}

// pruneLarge removes files above max from the changes' new contents (see pruneNew).
func pruneLarge(changes []tree.Change, max int64) ([]tree.Change, []endpoint.Problem) {
	if max <= 0 {
		return changes, nil
	}
	return pruneNew(changes, func(e *tree.Entry) string {
		if e.Kind == tree.File && e.Size > max {
			return fmt.Sprintf("not synchronized: %d bytes is above the maximum file size (%d)", e.Size, max)
		}
		return ""
	})
}

// pruneUnsupported removes from the changes to a side what its file system cannot
// hold (symbolic links where it has none), reporting each.
func pruneUnsupported(changes []tree.Change, f *endpoint.FileSystem, side string) ([]tree.Change, []endpoint.Problem) {
	if f == nil || f.Symlinks {
		return changes, nil
	}
	return pruneNew(changes, func(e *tree.Entry) string {
		if e.Kind == tree.Symlink {
			return "not synchronized: the file system of " + side + " cannot hold symbolic links"
		}
		return ""
	})
}

// pruneNew removes from the changes' new contents the entries refuse rejects (it says
// why), reporting each: a change whose new entry is rejected is dropped, and rejected
// entries inside a new directory are left out of it.
func pruneNew(changes []tree.Change, refuse func(e *tree.Entry) string) ([]tree.Change, []endpoint.Problem) {
	var problems []endpoint.Problem
	var prune func(p string, e *tree.Entry) *tree.Entry
	prune = func(p string, e *tree.Entry) *tree.Entry {
		if e == nil {
			return nil
		}
		if why := refuse(e); why != "" {
			problems = append(problems, endpoint.Problem{Path: p, Error: why})
			return nil
		}
		if e.Kind != tree.Directory {
			return e
		}
		contents := make(map[string]*tree.Entry, len(e.Contents))
		same := true
		for name, child := range e.Contents {
			pc := prune(tree.Join(p, name), child)
			if pc != nil {
				contents[name] = pc
			}
			same = same && pc == child
		}
		if same {
			return e
		}
		return tree.NewDir(contents)
	}
	out := changes[:0:0]
	for _, ch := range changes {
		if ch.New != nil && ch.From == "" {
			if ch.New = prune(ch.Path, ch.New); ch.New == nil && ch.Old == nil {
				continue // nothing to create
			}
			if ch.New == nil {
				continue // a replacement refused: what is there stays
			}
		}
		out = append(out, ch)
	}
	return out, problems
}

// Bounds of contents sent with a transition (inlineContents).
const (
	inlineFileMax  = 64 << 10
	inlineTotalMax = 1 << 20
	inlineFilesMax = 64
)

// inlineContents reads the contents the changes need from the supplying side, when
// they are few and small, the supplier is on this machine (fromURL) and the receiver
// takes contents with a transition; ok is false otherwise (they are staged). A file
// that changed since its scan is left out (its change then fails and is retried).
func (c *controller) inlineContents(ctx context.Context, from, to endpoint.Endpoint, fromURL string, changes []tree.Change) ([]endpoint.Content, bool) {
	if _, ok := to.(endpoint.InlineTransitioner); !ok || !isLocal(fromURL) {
		return nil, false
	}
	files := map[tree.Digest]string{}
	var total int64
	fits := true
	for _, ch := range changes {
		if ch.From != "" {
			continue
		}
		tree.Walk(ch.New, ch.Path, func(p string, e *tree.Entry) bool {
			if e.Kind == tree.File {
				if _, seen := files[e.Digest]; !seen {
					files[e.Digest] = p
					total += e.Size
				}
				fits = fits && e.Size <= inlineFileMax
			}
			return fits
		})
	}
	if !fits || total > inlineTotalMax || len(files) > inlineFilesMax {
		return nil, false
	}
	contents := make([]endpoint.Content, 0, len(files))
	for d, p := range files {
		data, err := from.ReadFile(ctx, p, inlineFileMax)
		if err != nil || scan.Digest(data) != d {
			continue
		}
		contents = append(contents, endpoint.Content{Digest: d, Data: data})
	}
	return contents, true
}

// stage brings the contents the changes need onto the receiving side.
func (c *controller) stage(ctx context.Context, from, to endpoint.Endpoint, side string, changes []tree.Change, signatures bool) ([]endpoint.Problem, error) {
	files := stageFiles(changes)
	if len(files) == 0 {
		return nil, nil
	}
	needed, err := to.Stage(ctx, files, signatures)
	if err != nil || len(needed) == 0 {
		return nil, err
	}
	recv, err := to.Receiver(ctx)
	if err != nil {
		return nil, err
	}
	supplyErr := from.Supply(ctx, needed, c.progress(recv, side, needed))
	problems, closeErr := recv.Close()
	if supplyErr != nil {
		return problems, supplyErr
	}
	return problems, closeErr
}

// stageFiles lists the files whose contents changes need.
func stageFiles(changes []tree.Change) []endpoint.StageFile {
	var files []endpoint.StageFile
	for _, ch := range changes {
		if ch.From != "" {
			continue // a rename brings no content
		}
		tree.Walk(ch.New, ch.Path, func(p string, e *tree.Entry) bool {
			if e.Kind == tree.File {
				files = append(files, endpoint.StageFile{Path: p, Digest: e.Digest, Size: e.Size})
			}
			return true
		})
	}
	return files
}

// progress wraps recv, which receives needed on side, to publish the staging's
// progress.
func (c *controller) progress(recv endpoint.Receiver, side string, needed []endpoint.Needed) *progressReceiver {
	pr := &progressReceiver{Receiver: recv, c: c, needed: needed, start: time.Now()}
	pr.p.Side = side
	pr.p.FilesTotal = uint64(len(needed))
	for _, n := range needed {
		pr.p.BytesTotal += uint64(n.Size)
	}
	pr.publish(true)
	return pr
}

// transition applies both sides' changes at once and records the results in the
// ancestor, shallow paths first. after lists the changes of the cycle still to land
// once these have (later batches, see stageAndLand): the record then keeps them as
// intents.
func (c *controller) transition(ctx context.Context, alpha, beta endpoint.Endpoint, ac, bc []tree.Change, inline [2][]endpoint.Content, inlined [2]bool, after [2][]tree.Change) (ar, br []*tree.Entry, ap, bp []endpoint.Problem, err error) {
	var wg sync.WaitGroup
	var aerr, berr error
	apply := func(e endpoint.Endpoint, changes []tree.Change, i int) ([]*tree.Entry, []endpoint.Problem, error) {
		if inlined[i] {
			return e.(endpoint.InlineTransitioner).TransitionWith(ctx, changes, inline[i])
		}
		return e.Transition(ctx, changes)
	}
	if len(ac) > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); ar, ap, aerr = apply(alpha, ac, 0) }()
	}
	if len(bc) > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); br, bp, berr = apply(beta, bc, 1) }()
	}
	wg.Wait()
	type result struct {
		path string
		e    *tree.Entry
	}
	var results []result
	add := func(changes []tree.Change, out []*tree.Entry) {
		for i, ch := range changes {
			switch {
			case ch.From == "":
				results = append(results, result{ch.Path, out[i]})
			case out[i] != nil:
				// A rename that was made: the entry moved to its new spelling.
				results = append(results, result{ch.From, nil}, result{ch.Path, out[i]})
			}
		}
	}
	if aerr == nil {
		add(ac, ar)
	}
	if berr == nil {
		add(bc, br)
	}
	slices.SortStableFunc(results, func(a, b result) int { return tree.Depth(a.path) - tree.Depth(b.path) })
	patches := make([]tree.Patch, len(results))
	for i, r := range results {
		patches[i] = tree.Patch{Path: r.path, Entry: r.e}
	}
	c.ancestor = applyInOrder(c.ancestor, patches)
	// Recorded at once: the journal's intent would settle the same from the disk,
	// but a record costs less than a scan.
	record := func() error { return c.journal.record(c.seq, patches) }
	if len(after[0])+len(after[1]) > 0 {
		record = func() error { return c.journal.intend(c.seq, patches, intentsOf(after[0], after[1])) }
	}
	if jerr := record(); jerr != nil && aerr == nil && berr == nil {
		aerr = jerr
	}
	c.recorded = c.ancestor
	if aerr != nil {
		return nil, nil, ap, bp, fmt.Errorf("transition on alpha: %w", aerr)
	}
	if berr != nil {
		return nil, nil, ap, bp, fmt.Errorf("transition on beta: %w", berr)
	}
	return ar, br, ap, bp, nil
}

// adjustCounts updates a side's counts from its scan with what the transition did.
func adjustCounts(c tree.Counts, changes []tree.Change, results []*tree.Entry) tree.Counts {
	for i, ch := range changes {
		c = c.Minus(tree.Count(ch.Old)).Plus(tree.Count(results[i]))
	}
	return c
}

// progressReceiver counts what passes to the receiving side and publishes progress.
type progressReceiver struct {
	endpoint.Receiver
	c       *controller
	needed  []endpoint.Needed
	p       Progress
	start   time.Time
	last    time.Time
	cur     int
	curBase uint64
	// sent, when set, learns of each needed file passed on (a pipelined landing).
	sent *sentFiles
}

func (r *progressReceiver) Begin(i int) error {
	if i >= 0 && i < len(r.needed) {
		r.cur, r.curBase = i, r.p.BytesDone
		r.p.Path = r.needed[i].Path
	}
	return r.Receiver.Begin(i)
}

func (r *progressReceiver) Op(op delta.Op) error {
	if op.Kind == delta.OpData {
		r.p.BytesDone += uint64(len(op.Data))
	} else if sig := r.needed[r.cur].Signature; sig != nil {
		r.p.BytesDone += uint64(op.Count) * uint64(sig.BlockSize)
	}
	r.publish(false)
	return r.Receiver.Op(op)
}

func (r *progressReceiver) End() error {
	if r.sent != nil {
		defer r.sent.mark(r.cur)
	}
	r.p.FilesDone++
	r.p.BytesDone = r.curBase + uint64(r.needed[r.cur].Size)
	r.publish(false)
	return r.Receiver.End()
}

func (r *progressReceiver) Skip(i int, reason string) error {
	if r.sent != nil {
		defer r.sent.mark(i)
	}
	r.p.FilesDone++
	if i >= 0 && i < len(r.needed) {
		r.p.BytesDone += uint64(r.needed[i].Size)
	}
	return r.Receiver.Skip(i, reason)
}

func (r *progressReceiver) publish(force bool) {
	now := time.Now()
	if !force && now.Sub(r.last) < progressEvery {
		return
	}
	r.last = now
	if el := now.Sub(r.start).Seconds(); el > 0 {
		r.p.Rate = float64(r.p.BytesDone) / el
	}
	p := r.p
	r.c.update(func(s *State) { s.Staging = &p })
}

// phaseTimer measures the phases of a cycle, for the log.
type phaseTimer struct {
	start, last time.Time
	phases      []string
}

func (p *phaseTimer) mark(name string) {
	now := time.Now()
	p.phases = append(p.phases, fmt.Sprintf("%s %s", name, now.Sub(p.last).Round(time.Millisecond)))
	p.last = now
}

func (p phaseTimer) String() string { return strings.Join(p.phases, ", ") }
