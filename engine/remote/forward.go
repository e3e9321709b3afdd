package remote

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/engine/url"
	"github.com/ferrysync/ferry/protocol/agentwire"
)

// ForwardOpener returns the forward transport for SSH hosts and containers.
func (p *Pool) ForwardOpener() forward.SideOpener {
	return func(ctx context.Context, a forward.Address) (forward.Side, error) {
		h, release, err := p.Acquire(ctx, a.Host)
		if err != nil {
			return nil, err
		}
		return &side{h: h, release: release}, nil
	}
}

// side is an SSH host or a container, as one side of forwards.
type side struct {
	h       *Host
	release func()
	once    sync.Once
}

func (s *side) Dead() <-chan struct{} { return s.h.Dead() }

func (s *side) Err() error { return s.h.Err() }

func (s *side) Close() error {
	s.once.Do(s.release)
	return nil
}

// Dial asks the agent to dial and returns the stream carrying the connection at once,
// without waiting for the dial: what the client sends first travels with the request,
// saving a round trip per connection. The agent's verdict is the stream's first
// message; Wait returns it.
func (s *side) Dial(ctx context.Context, a forward.Address) (forward.Conn, error) {
	req, _ := json.Marshal(agentwire.ForwardDial{Network: a.Network, Address: a.Addr})
	st, err := s.h.Open()
	if err != nil {
		return nil, err
	}
	c := agentwire.NewConn(st)
	if err := c.Send(agentwire.KindDial, req); err != nil {
		st.Close()
		return nil, s.h.explain(err)
	}
	return &dialConn{Raw: c.Raw(), c: c, h: s.h, verdict: make(chan struct{})}, nil
}

// dialConn is a forwarded connection whose dial may still be under way on the agent.
type dialConn struct {
	*agentwire.Raw
	c       *agentwire.Conn
	h       *Host
	once    sync.Once
	verdict chan struct{}
	err     error
}

// Read reads the agent's verdict first, then the connection's bytes.
func (d *dialConn) Read(p []byte) (int, error) {
	d.once.Do(func() {
		typ, payload, err := d.c.Read(nil)
		if err == nil {
			_, err = agentwire.Result(typ, payload, agentwire.TypeOK)
		}
		if err != nil {
			d.err = d.h.explain(err)
		}
		close(d.verdict)
	})
	if d.err != nil {
		return 0, d.err
	}
	return d.Raw.Read(p)
}

// Wait returns the outcome of the dial on the agent.
func (d *dialConn) Wait(ctx context.Context) error {
	select {
	case <-d.verdict:
		return d.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Listen asks the agent to listen; the agent opens a stream per accepted connection.
func (s *side) Listen(ctx context.Context, a forward.Address, opts forward.ListenOptions) (forward.Listener, error) {
	req, _ := json.Marshal(agentwire.ForwardListen{Network: a.Network, Address: a.Addr,
		SocketMode: uint32(opts.SocketMode), SocketOverwrite: opts.SocketOverwrite})
	st, err := s.h.Open()
	if err != nil {
		return nil, err
	}
	stop := closeOnDone(ctx, st)
	c := agentwire.NewConn(st)
	var payload []byte
	err = c.Send(agentwire.KindListen, req)
	if err == nil {
		payload, err = c.Expect(agentwire.TypeOK)
	}
	if !stop() && err == nil {
		err = ctx.Err()
	}
	if err != nil {
		st.Close()
		return nil, s.h.explain(err)
	}
	d := agentwire.NewDecoder(payload)
	id := d.Uvarint()
	if err := d.Done(); err != nil {
		st.Close()
		return nil, err
	}
	l := &listener{h: s.h, id: id, control: st, conns: make(chan forward.Conn), closed: make(chan struct{})}
	s.h.register(id, l)
	go func() {
		// The agent says nothing more on the control stream; it ends when the listener
		// or the connection does.
		c.Read(nil)
		l.Close()
	}()
	return l, nil
}

// listener receives the connections a remote listener accepted.
type listener struct {
	h       *Host
	id      uint64
	control net.Conn
	conns   chan forward.Conn
	once    sync.Once
	closed  chan struct{}
}

func (l *listener) Accept() (forward.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, errors.New("the remote listener closed")
	case <-l.h.Dead():
		return nil, l.h.failure(errors.New("connection lost"))
	}
}

func (l *listener) Close() error {
	l.once.Do(func() {
		close(l.closed)
		l.h.unregister(l.id)
		l.control.Close()
	})
	return nil
}

// deliver hands an accepted connection to the listener, or closes it if nobody takes
// it in time.
func (l *listener) deliver(c forward.Conn) {
	select {
	case l.conns <- c:
	case <-l.closed:
		c.Close()
	case <-time.After(30 * time.Second):
		c.Close()
	}
}

// register routes streams the agent opens for listener id.
func (h *Host) register(id uint64, l *listener) {
	h.lmu.Lock()
	defer h.lmu.Unlock()
	if h.listeners == nil {
		h.listeners = map[uint64]*listener{}
	}
	h.listeners[id] = l
}

func (h *Host) unregister(id uint64) {
	h.lmu.Lock()
	defer h.lmu.Unlock()
	delete(h.listeners, id)
}

// acceptLoop dispatches the streams the agent opens (one per connection accepted by a
// remote listener) to their listeners.
func (h *Host) acceptLoop() {
	for {
		st, err := h.mux.AcceptStream()
		if err != nil {
			return
		}
		go func() {
			c := agentwire.NewConn(st)
			st.SetReadDeadline(time.Now().Add(30 * time.Second))
			typ, payload, err := c.Read(nil)
			st.SetReadDeadline(time.Time{})
			if err != nil || typ != agentwire.TypeOpen {
				st.Close()
				return
			}
			id, n := binary.Uvarint(payload)
			if n <= 0 {
				st.Close()
				return
			}
			h.lmu.Lock()
			l := h.listeners[id]
			h.lmu.Unlock()
			if l == nil {
				st.Close()
				return
			}
			l.deliver(c.Raw())
		}()
	}
}

// Ports lists the TCP ports listening on the host.
func (h *Host) Ports(ctx context.Context) ([]agentwire.Port, error) {
	st, err := h.Open()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	stop := closeOnDone(ctx, st)
	defer stop()
	c := agentwire.NewConn(st)
	if err := c.Send(agentwire.KindPorts, nil); err != nil {
		return nil, h.explain(err)
	}
	payload, err := c.Expect(agentwire.TypeOK)
	if err != nil {
		return nil, h.explain(err)
	}
	var ports []agentwire.Port
	if err := json.Unmarshal(payload, &ports); err != nil {
		return nil, fmt.Errorf("the agent's port list: %w", err)
	}
	return ports, nil
}

// Ports lists the TCP ports listening on the host u names.
func (p *Pool) Ports(ctx context.Context, u url.URL) ([]agentwire.Port, error) {
	h, release, err := p.Acquire(ctx, u)
	if err != nil {
		return nil, err
	}
	defer release()
	return h.Ports(ctx)
}
