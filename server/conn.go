package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/ferrysync/ferry/protocol"
)

// Order of requests on one connection.
//
// The connection's reader (jsonrpc2's read loop) only queues requests; one worker per
// connection takes them in arrival order. initialize, and every request that reads or
// changes state quickly (list, pause, resume, reset, terminate, conflicts, a flush
// that does not wait, version, shutdown), runs to completion before the next request
// starts, so a pause sent before a resume is applied before it and nothing overtakes
// initialize. Requests that can take long (they wait for a cycle, reach an SSH host
// or ask the person a question: sync/create, a waiting sync/flush, sync/resolve,
// sync/readFile, sync/trash, sync/restore, forward/create, remote/ports) are started
// in arrival order too, then run on their own goroutine while the worker goes on:
// they never hold up the requests behind them (LSP semantics: requests start in
// order and may complete out of order). The reader itself never waits for a handler,
// so the responses to the server's own requests (prompts) are always read.

// queueSize bounds the requests read from a client but not yet started; when it is
// full the reader waits (back-pressure on a client that floods the daemon).
const queueSize = 256

// runsLong reports whether req is started and then left to run on its own.
func runsLong(req *jsonrpc2.Request) bool {
	r, ok := routes[req.Method]
	return ok && r.long != nil && r.long(req.Params)
}

// Handle implements jsonrpc2.Handler. It runs on the connection's reader and only
// queues the request for the worker.
func (c *client) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	c.mu.Lock()
	if c.conn == nil {
		c.conn = conn // a request can arrive before ServeConn records the connection
	}
	c.mu.Unlock()
	// Active from now: a stop that begins while the request waits in the queue still
	// waits for its reply (CodeShuttingDown).
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.queueDone {
		return
	}
	c.s.active.add()
	select {
	case c.queue <- req:
	case <-c.ctx.Done():
		c.s.active.done()
	}
}

// dropQueued ends the queue when the connection has ended: what is still queued will
// not be served (nobody reads the replies).
func (c *client) dropQueued() {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	c.queueDone = true
	for {
		select {
		case <-c.queue:
			c.s.active.done()
		default:
			return
		}
	}
}

// work starts the connection's requests in arrival order until the connection ends.
func (c *client) work() {
	for {
		select {
		case <-c.ctx.Done():
			c.dropQueued()
			return
		case req := <-c.queue:
			if runsLong(req) {
				go func() {
					defer c.s.active.done()
					c.serve(req)
				}()
				continue
			}
			c.serve(req)
			c.s.active.done()
		}
	}
}

// serve handles one request and replies.
func (c *client) serve(req *jsonrpc2.Request) {
	ctx, conn := c.ctx, c.connection()
	var result any
	var err error
	if info, stopping := c.s.stoppingInfo(); stopping {
		err = shuttingDown(info, nil)
	} else {
		result, err = c.handle(ctx, req)
		if info, stopping := c.s.stoppingInfo(); stopping && err != nil && req.Method != protocol.MethodDaemonShutdown {
			err = shuttingDown(info, err)
		}
	}
	if req.Notif {
		return
	}
	if err != nil {
		var rpcErr *jsonrpc2.Error
		if !errors.As(err, &rpcErr) {
			rpcErr = rpcError(protocol.CodeInternal, "%v", err)
		}
		conn.ReplyWithError(ctx, req.ID, rpcErr)
		return
	}
	conn.Reply(ctx, req.ID, result)
	switch req.Method {
	case protocol.MethodInitialize:
		// Notifications start only after the reply that tells the client where it
		// stands.
		c.mu.Lock()
		c.live = true
		c.mu.Unlock()
		c.wake()
	case protocol.MethodDaemonShutdown:
		// Only now that the reply is out.
		info, _ := c.s.stoppingInfo()
		go c.s.shutdown(info)
	}
}

// shuttingDown is the error of a request that arrives, or fails, while the daemon
// stops.
func shuttingDown(info protocol.DaemonStopping, err error) error {
	why := info.Reason
	switch {
	case info.Reason == protocol.StopRequested && info.Client != "":
		why = "requested by " + info.Client
	case info.Reason == protocol.StopUpgrade:
		why = "restarting for an upgrade"
	case info.Reason == protocol.StopSignal:
		why = "it received a signal"
	}
	msg := "the daemon is stopping"
	if why != "" {
		msg += " (" + why + ")"
	}
	var rpcErr *jsonrpc2.Error
	switch {
	case errors.As(err, &rpcErr):
		msg += ": " + rpcErr.Message
	case err != nil:
		msg += ": " + err.Error()
	}
	return rpcError(protocol.CodeShuttingDown, "%s; send the request again once it has restarted (any ferry command starts it)", msg)
}

// activity counts requests being handled, so that a stopping daemon can let them
// reply before it closes the connections.
type activity struct {
	mu   sync.Mutex
	n    int
	zero chan struct{} // closed when n drops to 0; nil while n is 0
}

func (a *activity) add() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n == 0 {
		a.zero = make(chan struct{})
	}
	a.n++
}

func (a *activity) done() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n--; a.n == 0 {
		close(a.zero)
		a.zero = nil
	}
}

// wait waits until no request is being handled, or timeout.
func (a *activity) wait(timeout time.Duration) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		a.mu.Lock()
		zero := a.zero
		a.mu.Unlock()
		if zero == nil {
			return
		}
		select {
		case <-zero:
		case <-deadline.C:
			return
		}
	}
}
