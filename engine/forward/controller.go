package forward

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Timing of a forward's loop.
const (
	backoffMin = 500 * time.Millisecond
	backoffMax = 30 * time.Second
	// waitForHost is how long a connection accepted while the destination's host is
	// unreachable waits for it to come back before it is closed.
	waitForHost = 10 * time.Second
	// statsEvery throttles notifications of byte counts.
	statsEvery = 250 * time.Millisecond
)

// controller runs one forward session.
type controller struct {
	m   *Manager
	dir string
	src Address
	dst Address

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

func (c *controller) update(fn func(*State)) {
	c.mu.Lock()
	fn(&c.state)
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
	backoff := backoffMin
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
		wait := backoff/2 + rand.N(backoff/2+1)
		backoff = min(backoff*2, backoffMax)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// serve opens the source side and its listener, then accepts until the source fails.
func (c *controller) serve(ctx context.Context) error {
	spec := c.snapshot().Spec
	c.update(func(s *State) { s.Status = StatusConnectingSource })
	src, err := c.m.open(ctx, c.src)
	if err != nil {
		return fmt.Errorf("connecting to the source host: %w", err)
	}
	defer src.Close()
	ln, err := src.Listen(ctx, c.src, ListenOptions{SocketMode: spec.SocketMode, SocketOverwrite: spec.SocketOverwrite})
	if err != nil {
		return err
	}
	defer ln.Close()
	c.update(func(s *State) { s.SourceConnected, s.Status = true, StatusConnectingDestination })

	dst := newDestination(c)
	defer dst.close()
	if _, err := dst.firstGet(ctx); err != nil {
		// The listener stays up; connections wait for the destination's host.
		c.update(func(s *State) { s.Status, s.LastError = StatusDisconnected, err.Error() })
		c.reportFirst(fmt.Errorf("destination: %w", err))
	} else {
		c.update(func(s *State) { s.Status, s.DestinationConnected = StatusForwarding, true })
		c.reportFirst(nil)
	}

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
		return errors.New("the source host's connection was lost")
	case err := <-accepted:
		return fmt.Errorf("accepting on %s: %w", c.src, err)
	}
}

// handle relays one accepted connection.
func (c *controller) handle(ctx context.Context, conn Conn, dst *destination) {
	defer func() {
		c.open.Add(^uint64(0))
		c.touch()
	}()
	wctx, cancel := context.WithTimeout(ctx, waitForHost)
	side, err := dst.get(wctx)
	cancel()
	var out Conn
	if err == nil {
		out, err = side.Dial(ctx, c.dst)
	}
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

// destination keeps the destination's side open, reopening it in the background when
// its host is lost.
type destination struct {
	c       *controller
	mu      sync.Mutex
	side    Side
	ready   chan struct{} // closed when side is set
	closed  bool
	running bool
}

func newDestination(c *controller) *destination {
	return &destination{c: c, ready: make(chan struct{})}
}

// get returns the open side, waiting (within ctx) for a reconnection if needed.
func (d *destination) get(ctx context.Context) (Side, error) {
	for {
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			return nil, errors.New("the forward stopped")
		}
		if d.side != nil {
			select {
			case <-d.side.Dead():
				d.side.Close()
				d.side, d.ready = nil, make(chan struct{})
			default:
				s := d.side
				d.mu.Unlock()
				return s, nil
			}
		}
		ready := d.ready
		if !d.running {
			d.running = true
			go d.reconnect()
		}
		d.mu.Unlock()
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, fmt.Errorf("the destination host %s is unreachable", d.c.dst.Host.String())
		}
	}
}

// firstGet opens the destination side once, reporting why it fails; later failures
// are retried in the background by get.
func (d *destination) firstGet(ctx context.Context) (Side, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	side, err := d.c.m.open(ctx, d.c.dst)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.side = side
	close(d.ready)
	return side, nil
}

// reconnect opens the destination side, with backoff, until it succeeds or the
// forward stops.
func (d *destination) reconnect() {
	backoff := backoffMin
	for {
		d.mu.Lock()
		if d.closed {
			d.running = false
			d.mu.Unlock()
			return
		}
		d.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		side, err := d.c.m.open(ctx, d.c.dst)
		cancel()
		d.mu.Lock()
		if err == nil {
			if d.closed {
				d.mu.Unlock()
				side.Close()
				return
			}
			d.side, d.running = side, false
			close(d.ready)
			d.mu.Unlock()
			d.c.update(func(s *State) {
				s.DestinationConnected, s.Status, s.LastError = true, StatusForwarding, ""
			})
			return
		}
		d.mu.Unlock()
		d.c.update(func(s *State) {
			s.DestinationConnected, s.Status, s.LastError = false, StatusDisconnected, fmt.Sprintf("connecting to the destination host: %v", err)
		})
		time.Sleep(backoff/2 + rand.N(backoff/2+1))
		backoff = min(backoff*2, backoffMax)
	}
}

func (d *destination) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	if d.side != nil {
		d.side.Close()
		d.side = nil
	}
}
