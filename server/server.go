package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/engine/url"
	"github.com/ferrysync/ferry/protocol"
)

// Server serves the API for the session managers to any number of connections.
type Server struct {
	m        *session.Manager
	f        *forward.Manager
	ports    PortLister
	shutdown func(protocol.DaemonStopping) // stops the daemon; nil when not a daemon

	mu      sync.Mutex
	clients map[*client]struct{}
	left    chan struct{} // closed (and replaced) whenever a client disconnects
	cancels []func()

	stopMu   sync.Mutex
	stopping bool
	stopInfo protocol.DaemonStopping

	active activity // requests being handled
}

// PortLister lists the TCP ports listening on an SSH host.
type PortLister func(ctx context.Context, host url.URL) ([]protocol.ListeningPort, error)

// New returns a server over the managers. shutdown is called by daemon/shutdown after
// it replies, with the reason and the client that asked.
func New(m *session.Manager, f *forward.Manager, ports PortLister, shutdown func(protocol.DaemonStopping)) *Server {
	s := &Server{m: m, f: f, ports: ports, shutdown: shutdown, clients: map[*client]struct{}{}, left: make(chan struct{})}
	s.cancels = append(s.cancels, m.Subscribe(s.broadcast), f.Subscribe(s.broadcastForward))
	return s
}

// Close lets the requests being handled reply (for a few seconds at most), then stops
// notifications and disconnects every client. A daemon closes it after stopping the
// sessions, so that requests waiting on them have their answer.
func (s *Server) Close() {
	s.active.wait(drainTimeout)
	for _, cancel := range s.cancels {
		cancel()
	}
	s.mu.Lock()
	cs := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		if conn := c.connection(); conn != nil {
			conn.Close()
		}
	}
}

// ServeConn serves one connection until it closes.
func (s *Server) ServeConn(ctx context.Context, rwc io.ReadWriteCloser) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := &client{s: s, ctx: ctx, notify: make(chan struct{}, 1), pending: map[string]notification{},
		queue: make(chan *jsonrpc2.Request, queueSize)}
	conn := jsonrpc2.NewConn(ctx, NewStream(rwc), c, jsonrpc2.SetLogger(discardLogger{}))
	c.mu.Lock()
	c.conn = conn
	c.mu.Unlock()
	s.mu.Lock()
	s.clients[c] = struct{}{}
	s.mu.Unlock()
	done := make(chan struct{})
	go c.sendLoop(done)
	go c.work()
	<-conn.DisconnectNotify()
	cancel()
	close(done)
	s.mu.Lock()
	delete(s.clients, c)
	close(s.left)
	s.left = make(chan struct{})
	s.mu.Unlock()
}

// broadcast queues a sync session's state for every initialized client.
func (s *Server) broadcast(st session.State) {
	s.queue(st.Spec.ID, notification{protocol.NotifySyncState, toWireSession(st)})
}

// broadcastForward queues a forward's state for every initialized client.
func (s *Server) broadcastForward(st forward.State) {
	s.queue(st.Spec.ID, notification{protocol.NotifyForwardState, toWireForward(st)})
}

func (s *Server) queue(id string, n notification) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.clients {
		c.enqueue(id, n)
	}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// client is one connection.
type client struct {
	s     *Server
	conn  *jsonrpc2.Conn
	ctx   context.Context // cancelled when the connection ends
	queue chan *jsonrpc2.Request
	// qmu guards queueing against the worker's exit (queueDone): a request counts as
	// active from the moment it is queued, so a shutdown waits for its reply.
	qmu       sync.Mutex
	queueDone bool

	mu          sync.Mutex
	initialized bool
	live        bool   // the reply to initialize is out: notifications may flow
	name        string // from initialize
	quiet       bool
	prompts     bool
	seq         uint64 // initialization order
	logLevel    session.Level
	logs        []protocol.LogMessage
	pending     map[string]notification // latest state per session identifier
	order       []string
	notify      chan struct{}
}

// notification is a state notification waiting to be sent.
type notification struct {
	method string
	params any
}

func (c *client) enqueue(id string, n notification) {
	c.mu.Lock()
	if !c.initialized || c.quiet {
		c.mu.Unlock()
		return
	}
	if _, ok := c.pending[id]; !ok {
		c.order = append(c.order, id)
	}
	c.pending[id] = n
	c.mu.Unlock()
	c.wake()
}

// wake asks the send loop to look at the queues.
func (c *client) wake() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// maxQueuedLogs bounds the log lines queued for a slow client; older ones are dropped.
const maxQueuedLogs = 1000

// broadcastLog queues a log line for every client that asked for its level.
func (s *Server) broadcastLog(level session.Level, id, msg string) {
	line := protocol.LogMessage{Level: level.String(), Message: msg, Session: id, Time: time.Now().UTC().Format(time.RFC3339Nano)}
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.clients {
		c.mu.Lock()
		if c.initialized && level <= c.logLevel {
			if len(c.logs) >= maxQueuedLogs {
				c.logs = c.logs[1:]
			}
			c.logs = append(c.logs, line)
			c.mu.Unlock()
			select {
			case c.notify <- struct{}{}:
			default:
			}
			continue
		}
		c.mu.Unlock()
	}
}

// sendLoop delivers queued notifications: the latest state of each session in the
// order sessions changed, then log lines.
func (c *client) sendLoop(done chan struct{}) {
	for {
		select {
		case <-done:
			return
		case <-c.notify:
		}
		c.mu.Lock()
		if !c.live {
			c.mu.Unlock()
			continue // initialize's reply wakes the loop again
		}
		batch := make([]notification, 0, len(c.order))
		for _, id := range c.order {
			batch = append(batch, c.pending[id])
		}
		c.order, c.pending = c.order[:0], map[string]notification{}
		logs := c.logs
		c.logs = nil
		c.mu.Unlock()
		conn := c.connection()
		for _, n := range batch {
			if err := conn.Notify(context.Background(), n.method, n.params); err != nil {
				return
			}
		}
		for _, l := range logs {
			if err := conn.Notify(context.Background(), protocol.NotifyLog, l); err != nil {
				return
			}
		}
	}
}

func (c *client) connection() *jsonrpc2.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn
}

// rpcError builds a JSON-RPC error with a stable code.
func rpcError(code int64, format string, args ...any) *jsonrpc2.Error {
	return &jsonrpc2.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// toRPCError maps engine errors onto the API's codes.
func toRPCError(err error) error {
	if err == nil {
		return nil
	}
	var rpcErr *jsonrpc2.Error
	if errors.As(err, &rpcErr) {
		return rpcErr
	}
	code := protocol.CodeFailed
	switch {
	case errors.Is(err, registry.ErrNotFound):
		code = protocol.CodeNotFound
	case errors.Is(err, registry.ErrExists):
		code = protocol.CodeExists
	case errors.Is(err, registry.ErrInvalid):
		code = protocol.CodeInvalidArgument
	case errors.Is(err, session.ErrPaused):
		code = protocol.CodePaused
	case errors.Is(err, session.ErrHalted):
		code = protocol.CodeHalted
	case errors.Is(err, session.ErrOverlap):
		code = protocol.CodeOverlap
	}
	return rpcError(int64(code), "%s", err.Error())
}

// handle dispatches one request.
func (c *client) handle(ctx context.Context, req *jsonrpc2.Request) (any, error) {
	if req.Method == protocol.MethodInitialize {
		return c.initialize(req)
	}
	c.mu.Lock()
	ok := c.initialized
	c.mu.Unlock()
	if !ok && req.Method != protocol.MethodDaemonShutdown {
		return nil, rpcError(protocol.CodeNotInitialized, "send initialize before %s", req.Method)
	}
	r, found := routes[req.Method]
	if !found {
		return nil, rpcError(protocol.CodeMethodNotFound, "unknown method %q; see docs/api.md for the methods", req.Method)
	}
	return r.run(ctx, c, req.Params)
}

func (c *client) initialize(req *jsonrpc2.Request) (any, error) {
	p, err := decodeParams[protocol.InitializeParams](req.Method, req.Params)
	if err != nil {
		return nil, err
	}
	if p.ProtocolVersion != protocol.ProtocolVersion {
		return nil, rpcError(protocol.CodeVersionMismatch,
			"this daemon speaks protocol version %d, the client %d; restart the daemon (ferry daemon stop) after upgrading, or update the client",
			protocol.ProtocolVersion, p.ProtocolVersion)
	}
	level, err := session.ParseLevel(p.LogLevel)
	if err != nil {
		return nil, rpcError(protocol.CodeInvalidArgument, "%v", err)
	}
	// Follow changes from now on, so none falls between the snapshot and the first
	// notification.
	c.mu.Lock()
	c.initialized, c.quiet, c.logLevel, c.prompts, c.name = true, p.Quiet, level, p.Prompts, p.ClientName
	c.seq = initSeq.Add(1)
	c.mu.Unlock()
	states, err := c.s.m.List(registry.Selection{})
	if err != nil {
		return nil, toRPCError(err)
	}
	res := protocol.InitializeResult{Version: protocol.Version, ProtocolVersion: protocol.ProtocolVersion,
		Sessions: make([]protocol.SyncSession, len(states))}
	for i, st := range states {
		res.Sessions[i] = toWireSession(st)
	}
	return res, nil
}

// shutdownRequest answers daemon/shutdown: it checks that the daemon is idle if asked
// to, and marks it stopping (the caller stops it once the reply is out).
func (c *client) shutdownRequest(p protocol.DaemonShutdownParams) (any, error) {
	if c.s.shutdown == nil {
		return nil, rpcError(protocol.CodeFailed, "this server is not a daemon")
	}
	switch p.Reason {
	case "":
		p.Reason = protocol.StopRequested
	case protocol.StopRequested, protocol.StopUpgrade:
	default:
		return nil, rpcError(protocol.CodeInvalidArgument, "unknown shutdown reason %q: use %q or %q", p.Reason, protocol.StopRequested, protocol.StopUpgrade)
	}
	if p.IfIdle {
		if why := c.s.busy(c); why != "" {
			return nil, rpcError(protocol.CodeBusy, "the daemon is busy: %s", why)
		}
	}
	c.mu.Lock()
	name := c.name
	c.mu.Unlock()
	if !c.s.markStopping(protocol.DaemonStopping{Reason: p.Reason, Client: name}) {
		info, _ := c.s.stoppingInfo()
		return nil, shuttingDown(info, nil)
	}
	return nil, nil
}

// initSeq orders client initializations.
var initSeq atomic.Uint64

// maxReadFile bounds sync/readFile.
const maxReadFile = 16 << 20

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func version() protocol.VersionResult {
	return protocol.VersionResult{Version: protocol.Version, ProtocolVersion: protocol.ProtocolVersion,
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
}
