// Package agent is the remote side of ferry: it runs on an SSH host, speaks the
// agentwire protocol on its stdin/stdout, and serves local endpoints (and forwarding)
// there for the daemon.
//
// Invariants:
//   - Nothing but protocol bytes is written to stdout; logs go to stderr.
//   - Every endpoint an agent opens is closed when its stream closes, and every stream
//     when the connection ends; the agent exits when its stdin closes.
//   - Every path and tree from the wire is validated by agentwire before use.
package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sync"

	"github.com/hashicorp/yamux"

	"github.com/ferrysync/ferry/protocol/agentwire"
)

// Options configure an agent.
type Options struct {
	// DataDir holds the agent's caches and staging areas (~/.ferry on the host).
	DataDir string
	// Home resolves "~" in roots.
	Home string
	// Build is the build version announced in the hello.
	Build string
	// Log receives diagnostics (stderr).
	Log *log.Logger
}

// Agent serves one connection.
type Agent struct {
	opts Options
	ctx  context.Context // ends with the connection
	sess *yamux.Session

	mu        sync.Mutex
	endpoints map[uint64]*handle
	next      uint64
}

type stdio struct {
	io.Reader
	io.Writer
	out io.Writer // the real stdout, closed by Close
}

func (s stdio) Close() error {
	if c, ok := s.out.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Serve writes the hello, then serves streams until the connection ends.
func Serve(in io.Reader, out io.Writer, opts Options) error {
	if opts.Log == nil {
		opts.Log = log.New(os.Stderr, "ferry-agent: ", log.LstdFlags)
	}
	if opts.Home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("finding the home directory: %w", err)
		}
		opts.Home = h
	}
	if opts.DataDir == "" {
		opts.DataDir = filepath.Join(opts.Home, ".ferry")
	}
	if err := agentwire.WriteHello(out, opts.Build); err != nil {
		return err
	}
	sess, err := yamux.Server(stdio{in, &agentwire.Coalescer{W: out}, out}, agentwire.YamuxConfig())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := &Agent{opts: opts, ctx: ctx, sess: sess, endpoints: map[uint64]*handle{}}
	defer a.closeAll()
	for {
		stream, err := sess.Accept()
		if err != nil {
			if errors.Is(err, io.EOF) || sess.IsClosed() {
				return nil
			}
			return err
		}
		go a.serve(stream)
	}
}

// serve dispatches one stream by its first message.
func (a *Agent) serve(stream io.ReadWriteCloser) {
	c := agentwire.NewConn(stream)
	defer c.Close()
	kind, payload, err := c.Read(nil)
	if err != nil {
		return
	}
	switch kind {
	case agentwire.KindEndpoint:
		err = a.serveEndpoint(c, payload)
	case agentwire.KindCall:
		err = a.serveCall(c, payload)
	case agentwire.KindReceive:
		err = a.serveReceive(c, payload)
	case agentwire.KindSupply:
		err = a.serveSupply(c, payload)
	default:
		err = a.serveOther(c, kind, payload)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		a.opts.Log.Printf("stream kind %d: %v", kind, err)
	}
}

func (a *Agent) closeAll() {
	a.mu.Lock()
	hs := make([]*handle, 0, len(a.endpoints))
	for _, h := range a.endpoints {
		hs = append(hs, h)
	}
	a.mu.Unlock()
	for _, h := range hs {
		h.ep.Close()
	}
}
