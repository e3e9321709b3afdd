package forward

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferrysync/ferry/engine/registry"
)

// Timing of a forward's loop.
const (
	backoffMin = 500 * time.Millisecond
	backoffMax = 30 * time.Second
	// statsEvery throttles notifications of byte counts.
	statsEvery = 250 * time.Millisecond
)

// controller runs one forward session.
type controller struct {
	m   *Manager
	dir string
	src Address
	dst Address

	// pubMu orders publications: it is held from a state's sequence number to its
	// delivery to the subscribers, so states are published in the order of Seq.
	pubMu  sync.Mutex
	mu     sync.Mutex
	state  State
	cancel context.CancelFunc
	done   chan struct{}

	open, total, failed atomic.Uint64
	bytesOut, bytesIn   atomic.Uint64
	dirty               chan struct{}

	// first, when set, receives the outcome of the first attempt to listen and reach
	// the destination (Create waits on it).
	first chan error
}

// reportFirst delivers the first attempt's outcome, once.
func (c *controller) reportFirst(err error) {
	c.mu.Lock()
	ch := c.first
	c.first = nil
	c.mu.Unlock()
	if ch != nil {
		ch <- err
	}
}

func newController(m *Manager, dir string, spec Spec, src, dst Address) *controller {
	c := &controller{m: m, dir: dir, src: src, dst: dst, dirty: make(chan struct{}, 1)}
	c.state = State{Spec: spec, Status: StatusDisconnected}
	if spec.Paused {
		c.state.Status = StatusPaused
	}
	return c
}

func (c *controller) snapshot() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snapshotLocked()
}

func (c *controller) snapshotLocked() State {
	s := c.state.clone()
	s.Open, s.Total, s.Failed = c.open.Load(), c.total.Load(), c.failed.Load()
	s.BytesOut, s.BytesIn = c.bytesOut.Load(), c.bytesIn.Load()
	return s
}

// update changes the state and publishes it with the next sequence number.
func (c *controller) update(fn func(*State)) {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	c.mu.Lock()
	fn(&c.state)
	c.state.Seq++
	s := c.snapshotLocked()
	c.mu.Unlock()
	c.m.publish(s)
}

// touch asks for the counters to be published soon.
func (c *controller) touch() {
	select {
	case c.dirty <- struct{}{}:
	default:
	}
}

func (c *controller) label() string {
	s := c.snapshot().Spec
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

func (c *controller) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Spec.Paused || c.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go c.run(ctx, c.done)
	go c.publishStats(ctx)
}

func (c *controller) stop() {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.cancel = nil
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// publishStats publishes the counters when they change, at most every statsEvery.
func (c *controller) publishStats(ctx context.Context) {
	t := time.NewTicker(statsEvery)
	defer t.Stop()
	pending := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.dirty:
			pending = true
		case <-t.C:
			if pending {
				pending = false
				c.update(func(*State) {})
			}
		}
	}
}

// run listens on the source and relays to the destination, reopening what fails, until
// ctx is cancelled.
func (c *controller) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	backoff := registry.Backoff{Min: backoffMin, Max: backoffMax}
	for ctx.Err() == nil {
		err := c.serve(ctx)
		c.reportFirst(err)
		if ctx.Err() != nil {
			return
		}
		c.update(func(s *State) {
			s.Status, s.LastError = StatusDisconnected, err.Error()
			s.SourceConnected = c.src.IsLocal()
			s.DestinationConnected = c.dst.IsLocal()
		})
		c.m.logf("warn", c, "%v; retrying", err)
		if !backoff.Wait(ctx, nil) {
			return
		}
	}
}

// serve opens the source side and its listener, then forwards while the destination's
// side is open. While the destination's host is unreachable (lost, or not reached
// again yet), the listener is closed, so new connections are refused at once (a
// refused connect tells a client that nothing was sent, and it may retry); it listens
// again once the host is back. serve returns when the source fails, or nil when ctx
// is cancelled.
func (c *controller) serve(ctx context.Context) error {
	spec := c.snapshot().Spec
	c.update(func(s *State) { s.Status = StatusConnectingSource })
	src, err := c.m.open(ctx, c.src)
	if err != nil {
		return fmt.Errorf("connecting to the source host: %w", err)
	}
	defer src.Close()
	listen := func() (Listener, error) {
		return src.Listen(ctx, c.src, ListenOptions{SocketMode: spec.SocketMode, SocketOverwrite: spec.SocketOverwrite})
	}
	// The first listener checks the source before the destination is dialed.
	ln, err := listen()
	if err != nil {
		return err
	}
	defer func() {
		if ln != nil {
			ln.Close()
		}
	}()
	c.update(func(s *State) { s.SourceConnected, s.Status = true, StatusConnectingDestination })
	backoff := registry.Backoff{Min: backoffMin, Max: backoffMax}
	for {
		dst, err := c.openDestination(ctx)
		if err != nil {
			if ln != nil {
				ln.Close() // refuse new connections while the destination is unreachable
				ln = nil
			}
			if ctx.Err() != nil {
				return nil
			}
			c.update(func(s *State) {
				s.Status, s.DestinationConnected = StatusDisconnected, false
				s.LastError = fmt.Sprintf("connecting to the destination host: %v; new connections are refused until it is reachable", err)
			})
			c.reportFirst(fmt.Errorf("destination: %w", err))
			if err := c.wait(ctx, src, &backoff); err != nil {
				return err
			}
			continue
		}
		backoff.Reset()
		if ln == nil {
			if ln, err = listen(); err != nil {
				dst.Close()
				return err
			}
		}
		c.update(func(s *State) { s.Status, s.DestinationConnected, s.LastError = StatusForwarding, true, "" })
		c.reportFirst(nil)
		err = c.accept(ctx, src, ln, dst)
		ln.Close() // before the state says so: new connections are refused from now on
		ln = nil
		dst.Close()
		var lost *destinationLost
		if !errors.As(err, &lost) {
			return err
		}
		if err := sourceLost(src); err != nil {
			return err
		}
		c.update(func(s *State) {
			s.Status, s.DestinationConnected = StatusDisconnected, false
			s.LastError = fmt.Sprintf("%v; new connections are refused until it is back", lost)
		})
		c.m.logf("warn", c, "%v; reconnecting", lost)
	}
}

// destinationLost says that the destination's side died while forwarding.
type destinationLost struct{ err error }

func (d *destinationLost) Error() string {
	if d.err == nil {
		return "lost the destination host"
	}
	return "lost the destination host: " + d.err.Error()
}

// sourceLost returns why the source side died, or nil if it lives.
func sourceLost(src Side) error {
	select {
	case <-src.Dead():
		if err := src.Err(); err != nil {
			return fmt.Errorf("lost the source host: %w", err)
		}
		return errors.New("lost the source host")
	default:
		return nil
	}
}

// openDestination opens the destination's side, within a minute.
func (c *controller) openDestination(ctx context.Context) (Side, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return c.m.open(ctx, c.dst)
}

// wait sleeps for a backoff (and doubles it) before the destination is dialed again;
// it returns an error if the source dies meanwhile, nil otherwise.
func (c *controller) wait(ctx context.Context, src Side, backoff *registry.Backoff) error {
	t := time.NewTimer(backoff.Next())
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-src.Dead():
		return sourceLost(src)
	case <-t.C:
	}
	return nil
}

// accept relays every connection ln accepts to dst until ctx is cancelled (nil), a
// side dies or the listener fails.
func (c *controller) accept(ctx context.Context, src Side, ln Listener, dst Side) error {
	accepted := make(chan error, 1)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				accepted <- err
				return
			}
			c.total.Add(1)
			c.open.Add(1)
			c.touch()
			go c.handle(ctx, conn, dst)
		}
	}()
	select {
	case <-ctx.Done():
		return nil
	case <-src.Dead():
		return sourceLost(src)
	case <-dst.Dead():
		return &destinationLost{dst.Err()}
	case err := <-accepted:
		if err := sourceLost(src); err != nil {
			return err
		}
		return fmt.Errorf("accepting on %s: %w", c.src, err)
	}
}

// handle relays one accepted connection.
func (c *controller) handle(ctx context.Context, conn Conn, dst Side) {
	defer func() {
		c.open.Add(^uint64(0))
		c.touch()
	}()
	out, err := dst.Dial(ctx, c.dst)
	if err != nil {
		c.refused(err)
		conn.Close()
		return
	}
	if p, ok := out.(pendingDial); ok {
		// The dial completes on the remote side while the relay runs; count a refusal.
		go func() {
			if err := p.Wait(ctx); err != nil && ctx.Err() == nil {
				c.refused(err)
			}
		}()
	}
	Relay(conn, out, &c.bytesOut, &c.bytesIn)
}

// pendingDial is a connection whose dial completes after Dial returns (remote
// destinations); Wait returns the dial's outcome.
type pendingDial interface {
	Wait(ctx context.Context) error
}

// refused counts a connection the destination did not take.
func (c *controller) refused(err error) {
	c.failed.Add(1)
	c.update(func(s *State) { s.LastError = err.Error() })
}
