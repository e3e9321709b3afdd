package session

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/reconcile"
	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/tree"
)

// Timing of the controller loop.
const (
	// settleQuiet is how long the loop waits for a burst of changes to end before it
	// scans, and settleMax the longest it waits in all.
	settleQuiet = 8 * time.Millisecond
	settleMax   = 80 * time.Millisecond
	// Reconnection backoff, doubled from min to max, with jitter.
	backoffMin = 500 * time.Millisecond
	backoffMax = 30 * time.Second
	// Retry delay after a cycle that left paths for a rescan, doubled up to max.
	retryMin = 200 * time.Millisecond
	retryMax = 15 * time.Second
	// progressEvery throttles staging progress notifications.
	progressEvery = 100 * time.Millisecond
)

// ErrPaused is returned by flushing a paused session.
var ErrPaused = errors.New("the session is paused; resume it first")

// controller runs one sync session.
type controller struct {
	m   *Manager
	dir string

	// pubMu is held from numbering a state to publishing it, so states are published
	// in the order of their Seq.
	pubMu   sync.Mutex
	mu      sync.Mutex
	state   State
	all     []reconcile.Conflict // every conflict of the last cycle
	waiters []*request           // flushes and resolutions waiting for the next cycle
	eps     [2]endpoint.Endpoint // the connected endpoints, for ReadFile
	initial [2]endpoint.Endpoint // endpoints Create opened, for the first connect
	cancel  context.CancelFunc   // stops the running loop
	done    chan struct{}        // closed when the running loop has exited

	trigger  chan struct{} // asks the loop for a cycle
	quietSeq int           // identifies the latest quiet status (guarded by mu)

	// Owned by the loop goroutine.
	ancestor    *tree.Entry
	recorded    *tree.Entry // the ancestor as the journal has it
	seq         uint64      // the journal's last record
	pending     []intent    // changes of an interrupted transition, settled by the next scan
	journal     *journal
	saver       *saver
	derived     [2]derived
	replicaErr  error      // set when a side is not the replica it was
	rootIDs     [2]string  // the sides' root identities as last checked
	recentChurn [2][]churn // each side's file churn of the last cycles
}

func newController(m *Manager, dir string, spec Spec) *controller {
	c := &controller{m: m, dir: dir, trigger: make(chan struct{}, 1)}
	// Seq starts from the clock, so a client that follows a session across a daemon
	// restart still sees it grow.
	c.state = State{Seq: uint64(time.Now().UnixMicro()), Spec: spec, Status: StatusConnectingAlpha,
		Alpha: EndpointState{URL: spec.Alpha, Link: LinkConnecting}, Beta: EndpointState{URL: spec.Beta, Link: LinkConnecting}}
	if spec.Paused {
		c.state.Status = StatusPaused
		c.state.Alpha.Link, c.state.Beta.Link = LinkPaused, LinkPaused
	}
	return c
}

// snapshot returns a copy of the state safe to hand out.
func (c *controller) snapshot() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snapshotLocked()
}

func (c *controller) snapshotLocked() State {
	s := c.state
	s.Spec.Labels = maps.Clone(s.Spec.Labels)
	s.Spec.Config.Ignores = slices.Clone(s.Spec.Config.Ignores)
	if s.Staging != nil {
		p := *s.Staging
		s.Staging = &p
	}
	return s
}

// update changes the state under the lock and publishes it.
func (c *controller) update(fn func(s *State)) {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	c.mu.Lock()
	c.quietSeq++
	fn(&c.state)
	c.state.Seq++
	s := c.snapshotLocked()
	c.mu.Unlock()
	c.m.publish(s)
}

func (c *controller) setStatus(st Status) { c.update(func(s *State) { s.Status = st }) }

// quietDelay is how long a scanning or reconciling status must last before it is
// published: most cycles after a small edit end sooner, and a status bar should not
// flicker for them.
const quietDelay = 50 * time.Millisecond

// setQuietStatus records a status, publishing it only if it is still current after
// quietDelay.
func (c *controller) setQuietStatus(st Status) {
	c.mu.Lock()
	c.state.Status = st
	c.quietSeq++
	seq := c.quietSeq
	c.mu.Unlock()
	time.AfterFunc(quietDelay, func() {
		c.pubMu.Lock()
		defer c.pubMu.Unlock()
		c.mu.Lock()
		if c.quietSeq != seq || c.state.Status != st {
			c.mu.Unlock()
			return
		}
		c.state.Seq++
		s := c.snapshotLocked()
		c.mu.Unlock()
		c.m.publish(s)
	})
}

// start launches the loop unless the session is paused.
func (c *controller) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Spec.Paused || c.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go c.run(ctx, c.done)
}

// stop stops the loop and waits for it to exit.
func (c *controller) stop() {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.cancel = nil
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	c.mu.Lock()
	initial := c.initial
	c.initial = [2]endpoint.Endpoint{}
	c.mu.Unlock()
	for _, e := range initial {
		if e != nil {
			e.Close()
		}
	}
}

// request waits for the next cycle: a flush, or a resolution of conflicts.
type request struct {
	done    chan error
	resolve *resolution
	// allowDeletions lets that cycle delete more than the mass-deletion threshold.
	allowDeletions bool
}

// resolution asks a cycle to settle conflicts by keeping one side's version.
type resolution struct {
	paths     map[string]bool // nil: every conflict
	keepAlpha bool
	// Filled by the cycle.
	resolved []string
	failed   []endpoint.Problem
}

// flush asks for a cycle (resolving conflicts if res is set) and returns a channel
// that receives its outcome.
func (c *controller) flush(res *resolution, allowDeletions bool) (<-chan error, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Spec.Paused {
		return nil, ErrPaused
	}
	if c.cancel == nil {
		// Stopped (the manager closes): no cycle will come to answer a waiter.
		return nil, errors.New("the session was stopped")
	}
	r := &request{done: make(chan error, 1), resolve: res, allowDeletions: allowDeletions}
	c.waiters = append(c.waiters, r)
	select {
	case c.trigger <- struct{}{}:
	default:
	}
	return r.done, nil
}

// takeWaiters takes the requests waiting for the next cycle, which is about to start,
// and with them the trigger they sent (under the same lock as they were added): that
// cycle answers them, and a trigger left behind would run one more cycle for nobody.
func (c *controller) takeWaiters() []*request {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.waiters
	c.waiters = nil
	select {
	case <-c.trigger:
	default:
	}
	return w
}

func (c *controller) failWaiters(err error) {
	for _, w := range c.takeWaiters() {
		w.done <- err
	}
}

// endpoint returns a connected side (0 alpha, 1 beta), or nil.
func (c *controller) endpoint(side int) endpoint.Endpoint {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.eps[side]
}

func (c *controller) setEndpoints(alpha, beta endpoint.Endpoint) {
	c.mu.Lock()
	c.eps = [2]endpoint.Endpoint{alpha, beta}
	c.mu.Unlock()
}

// run connects, cycles, and reconnects with backoff until ctx is cancelled.
func (c *controller) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	if err := c.loadHistory(); err != nil {
		c.update(func(s *State) {
			s.LastError = fmt.Sprintf("%v; reset the session to start from the current contents", err)
		})
		<-ctx.Done()
		return
	}
	defer func() {
		c.saver.Save(c.ancestor, c.seq)
		if err := c.saver.Flush(); err != nil {
			c.logf(LevelError, "saving the ancestor: %v", err)
		}
		c.journal.close()
	}()
	backoff := registry.Backoff{Min: backoffMin, Max: backoffMax}
	var eps [2]endpoint.Endpoint // open sides, kept across reconnections where healthy
	defer func() {
		c.setEndpoints(nil, nil)
		for _, e := range eps {
			if e != nil {
				e.Close()
			}
		}
	}()
	for {
		err := c.connect(ctx, &eps)
		if err == nil {
			backoff.Reset()
			c.setEndpoints(eps[0], eps[1])
			err = c.serve(ctx, eps[0], eps[1])
		}
		if ctx.Err() != nil {
			c.failWaiters(errors.New("the session was stopped"))
			return
		}
		status := StatusDisconnected
		if dropped := c.dropRemote(&eps); dropped == 0 && eps[0] != nil && eps[1] != nil {
			// Both sides are still open: a cycle failed, not a connection.
			status = StatusWaitingForRescan
		}
		var halt *haltError
		if errors.As(err, &halt) {
			status = halt.status
		} else {
			c.logf(LevelWarn, "%s: %v; retrying", status, err)
		}
		c.update(func(s *State) { s.Status, s.LastError, s.Staging = status, err.Error(), nil })
		c.failWaiters(err)
		// A flush (trigger) cuts the wait short.
		if !backoff.Wait(ctx, c.trigger) {
			c.failWaiters(errors.New("the session was stopped"))
			return
		}
	}
}

// dropRemote closes the sides that must be opened again after a failure: those on
// other hosts (their connection may be gone). A local side stays open and connected:
// its watcher keeps recording changes meanwhile, and the next cycle scans fully.
func (c *controller) dropRemote(eps *[2]endpoint.Endpoint) (dropped int) {
	spec := c.snapshot().Spec
	c.setEndpoints(nil, nil)
	for i, side := range []string{"alpha", "beta"} {
		if eps[i] == nil || isLocal(spec.url(side)) {
			continue
		}
		eps[i].Close()
		eps[i] = nil
		dropped++
		c.update(func(s *State) { s.side(i).Link = LinkDisconnected })
	}
	c.setEndpoints(eps[0], eps[1])
	return dropped
}

// loadHistory reads the ancestor snapshot and replays the journal onto it.
func (c *controller) loadHistory() error {
	anc, snapSeq, err := loadAncestor(c.dir)
	if err != nil {
		return err
	}
	j, h, err := openJournal(c.dir, anc, snapSeq)
	if err != nil {
		return err
	}
	c.journal, c.saver = j, newSaver(c.dir, j)
	c.ancestor, c.recorded, c.seq, c.pending = h.ancestor, h.ancestor, h.seq, h.pending
	if len(h.pending) > 0 {
		c.logf(LevelInfo, "the last run stopped during a transition of %d changes; the next scan settles which landed", len(h.pending))
	}
	return nil
}

// connect opens the sides not open yet: those Create opened first, then each in turn.
func (c *controller) connect(ctx context.Context, eps *[2]endpoint.Endpoint) error {
	spec := c.snapshot().Spec
	c.mu.Lock()
	initial := c.initial
	c.initial = [2]endpoint.Endpoint{}
	c.mu.Unlock()
	if initial[0] != nil {
		*eps = initial
	}
	for i, side := range []string{"alpha", "beta"} {
		if eps[i] != nil {
			c.update(func(s *State) { s.side(i).Link = LinkConnected })
			continue
		}
		c.update(func(s *State) {
			s.Status = []Status{StatusConnectingAlpha, StatusConnectingBeta}[i]
			s.side(i).Link = LinkConnecting
		})
		e, err := c.m.open(ctx, spec, c.dir, side)
		if err != nil {
			c.update(func(s *State) { s.side(i).Link = LinkDisconnected })
			return fmt.Errorf("connecting to %s: %w", side, err)
		}
		eps[i] = e
		c.update(func(s *State) { s.side(i).Link = LinkConnected })
	}
	c.replicaErr = checkReplicas(c.dir, spec, eps[0].Replica(), eps[1].Replica())
	c.logf(LevelInfo, "connected")
	return nil
}

// maxRuleRounds bounds the extra cycles a flush runs after ignore rules landed.
const maxRuleRounds = 3

// serve runs cycles until an endpoint fails or ctx is cancelled.
func (c *controller) serve(ctx context.Context, alpha, beta endpoint.Endpoint) error {
	full := true
	retry := retryMin
	var retryC <-chan time.Time
	for {
		waiters := c.takeWaiters()
		var resolutions []*resolution
		allow := false
		barrier := len(waiters) > 0
		for _, w := range waiters {
			if w.resolve != nil {
				resolutions = append(resolutions, w.resolve)
			}
			allow = allow || w.allowDeletions
		}
		out, err := c.cycle(ctx, alpha, beta, full, cycleOptions{resolutions: resolutions, allowDeletions: allow, barrier: barrier})
		// Ignore rules that landed change what the sides hold (newly unignored content
		// is to sync): a flush is done once a cycle sees that too. A few rounds at
		// most: rules that keep changing are the next cycles' to follow.
		for round := 0; err == nil && out.rules && barrier && round < maxRuleRounds; round++ {
			out, err = c.cycle(ctx, alpha, beta, false, cycleOptions{allowDeletions: allow, barrier: true})
		}
		// The waiters (flushes) are answered once the state says how the cycle ended:
		// a client that lists the session after its flush returned sees watching, a
		// halt or waiting-for-rescan, never the cycle's own phases.
		answer := func(result error) {
			for _, w := range waiters {
				w.done <- result
			}
		}
		result := err
		var halt *haltError
		if tooManyEntries(err) {
			halt = &haltError{StatusHaltedTooManyEntries, err.Error()}
			err = halt
		}
		switch {
		case ctx.Err() != nil:
			answer(result)
			return nil
		case errors.As(err, &halt):
			if c.snapshot().Status != halt.status {
				c.logf(LevelError, "halted: %v", halt)
			}
			c.update(func(s *State) { s.Status, s.LastError, s.Staging = halt.status, halt.Error(), nil })
			retryC = nil
		case err != nil:
			answer(result)
			return err
		case out.rescan:
			c.setStatus(StatusWaitingForRescan)
			retryC = time.After(retry)
			retry = min(retry*2, retryMax)
		default:
			c.setStatus(StatusWatching)
			retryC, retry = nil, retryMin
		}
		answer(result)
		full = false
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-alpha.Changes():
			if !ok {
				return errors.New("alpha disconnected")
			}
		case _, ok := <-beta.Changes():
			if !ok {
				return errors.New("beta disconnected")
			}
		case <-c.trigger:
		case <-retryC:
			full = true
		}
		if err := c.settle(ctx, alpha, beta); err != nil {
			return err
		}
	}
}

// settle waits for a burst of changes to end, so one cycle covers it.
func (c *controller) settle(ctx context.Context, alpha, beta endpoint.Endpoint) error {
	deadline := time.NewTimer(settleMax)
	defer deadline.Stop()
	quiet := time.NewTimer(settleQuiet)
	defer quiet.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-deadline.C:
			return nil
		case <-quiet.C:
			return nil
		case _, ok := <-alpha.Changes():
			if !ok {
				return errors.New("alpha disconnected")
			}
		case _, ok := <-beta.Changes():
			if !ok {
				return errors.New("beta disconnected")
			}
		}
		quiet.Reset(settleQuiet)
	}
}

// haltError stops propagation until its cause goes away.
type haltError struct {
	status Status
	msg    string
}

func (h *haltError) Error() string { return h.msg }

// Is makes every halt match ErrHalted.
func (h *haltError) Is(target error) bool { return target == ErrHalted }

// removeDir deletes a session's state directory.
func removeDir(dir string) error { return os.RemoveAll(dir) }

// tooManyEntries reports whether err says a root holds more entries than allowed,
// locally or as an agent reported it.
func tooManyEntries(err error) bool {
	return err != nil && (errors.Is(err, scan.ErrTooManyEntries) || strings.Contains(err.Error(), scan.ErrTooManyEntries.Error()))
}
