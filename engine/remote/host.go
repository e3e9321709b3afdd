package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/yamux"

	"github.com/ferrysync/ferry/protocol/agentwire"
)

// helloTimeout bounds how long a starting agent may take to say hello.
const helloTimeout = 20 * time.Second

// Host is a live connection to one user@host:port, or one container, with its agent.
type Host struct {
	// Key identifies the host: user@hostname:port, or docker://user@container.
	Key    string
	link   link
	agent  *process
	mux    *yamux.Session
	stderr *tail
	dead   chan struct{}
	// compress: contents travel compressed (see compress.go).
	compress bool
	once     sync.Once
	err      error

	lmu       sync.Mutex
	listeners map[uint64]*listener
}

// Open opens a stream to the agent.
func (h *Host) Open() (net.Conn, error) {
	s, err := h.mux.OpenStream()
	if err != nil {
		return nil, h.failure(err)
	}
	return s, nil
}

// Dead is closed when the connection or the agent has failed.
func (h *Host) Dead() <-chan struct{} { return h.dead }

// Err says why the host is dead ("connection to user@host:port lost: ..."); nil while
// it lives.
func (h *Host) Err() error {
	select {
	case <-h.dead:
		return h.err
	default:
		return nil
	}
}

// failure describes why the connection failed, with what the agent said on stderr.
func (h *Host) failure(err error) error {
	select {
	case <-h.dead:
		if h.err != nil {
			return h.err
		}
	default:
	}
	if msg := h.stderr.String(); msg != "" {
		return fmt.Errorf("connection to %s lost: %v (agent: %s)", h.Key, err, msg)
	}
	return fmt.Errorf("connection to %s lost: %v", h.Key, err)
}

// Close ends the agent and the connection.
func (h *Host) Close() error {
	h.markDead(errors.New("closed"))
	h.mux.Close()
	h.agent.close()
	return h.link.close()
}

func (h *Host) markDead(err error) {
	h.once.Do(func() {
		if msg := h.stderr.String(); msg != "" {
			err = fmt.Errorf("%v (agent: %s)", err, msg)
		}
		h.err = fmt.Errorf("connection to %s lost: %w", h.Key, err)
		close(h.dead)
	})
}

// monitor marks the host dead when the agent's stream or the link ends (the SSH
// connection, the container engine's exec command), and serves the streams the agent
// opens.
func (h *Host) monitor() {
	go h.acceptLoop()
	go func() {
		<-h.mux.CloseChan()
		h.markDead(errors.New("the agent's stream closed"))
	}()
	go func() {
		h.markDead(h.link.wait())
		h.mux.Close()
	}()
}

// shellQuote quotes s for any POSIX-like or csh-like shell: single quotes, with a
// single quote written as '\” (the paths quoted here never contain one, but be safe).
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// pipe joins the agent's stdout and stdin into a connection for yamux. Writes and
// Close are serialized: x/crypto/ssh's channel races a concurrent Write and
// CloseWrite, and yamux closes from its receive goroutine while sending on another.
type pipe struct {
	io.Reader
	mu sync.Mutex
	w  io.WriteCloser
	c  agentwire.Coalescer
}

func (p *pipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c.W == nil {
		p.c.W = p.w
	}
	return p.c.Write(b)
}

func (p *pipe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w.Close()
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
