package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/protocol"
)

// gate opens local endpoints, or, once blocked, holds every open (ignoring its
// context) until released: a session then stays connecting, and stopping it waits.
type gate struct {
	once    sync.Once
	mu      sync.Mutex
	blocked bool
	entered chan struct{} // receives once per held open
	release chan struct{}
}

func newGate() *gate {
	return &gate{entered: make(chan struct{}, 16), release: make(chan struct{})}
}

func (g *gate) block() {
	g.mu.Lock()
	g.blocked = true
	g.mu.Unlock()
}

// unblock releases the held opens (and later ones) once.
func (g *gate) unblock() { g.once.Do(func() { close(g.release) }) }

func (g *gate) open(ctx context.Context, req session.EndpointRequest) (endpoint.Endpoint, error) {
	g.mu.Lock()
	blocked := g.blocked
	g.mu.Unlock()
	if !blocked {
		return session.OpenLocal(ctx, req)
	}
	g.entered <- struct{}{}
	<-g.release
	return nil, errors.New("gate: released")
}

func (g *gate) open2() session.Opener { return g.open }

// startGatedDaemon runs a daemon whose local endpoints open through g.
func startGatedDaemon(t *testing.T, g *gate) (string, *Daemon) {
	t.Helper()
	dir := t.TempDir()
	d, err := Listen(dir, Engine{Sync: session.Transports{Local: g.open2()}})
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { d.Serve(context.Background()); close(done) }()
	t.Cleanup(func() { g.unblock(); d.Stop(); <-done })
	return dir, d
}

// until reads messages (notifications included) until ok accepts one.
func (c *rawConn) until(what string, ok func(message) bool) message {
	c.t.Helper()
	type read struct {
		m   message
		err error
	}
	for {
		ch := make(chan read, 1)
		go func() {
			body, err := protocol.ReadFrame(c.r)
			var m message
			if err == nil {
				err = json.Unmarshal(body, &m)
			}
			ch <- read{m, err}
		}()
		select {
		case r := <-ch:
			require.NoError(c.t, r.err, "reading while waiting for %s", what)
			if ok(r.m) {
				return r.m
			}
		case <-time.After(time.Minute): // a bound for failure only
			c.t.Fatalf("no %s within a minute", what)
		}
	}
}

func initFrame(id int, name string) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"initialize","params":{"clientName":%q,"protocolVersion":%d}}`, id, name, protocol.ProtocolVersion)
}

func frame(body string) string {
	return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
}

func isReply(id int) func(message) bool {
	return func(m message) bool { return m.Method == "" && string(m.ID) == fmt.Sprint(id) }
}

// A request sent right after initialize, before its reply, is handled after it; the
// replies to quick requests come in the order of the requests.
func TestRequestsOnAConnectionAreHandledInOrder(t *testing.T) {
	dir := startDaemon(t)
	for i := 0; i < 20; i++ {
		c := dialRaw(t, dir)
		batch := frame(initFrame(1, "t"))
		for id := 2; id <= 11; id++ {
			batch += frame(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"sync/list","params":{}}`, id))
		}
		c.send(batch) // one write: nothing waits for initialize's reply
		for id := 1; id <= 11; id++ {
			m := c.next()
			require.Equal(t, fmt.Sprint(id), string(m.ID), "connection %d: replies out of order", i)
			require.Nil(t, m.Error, "connection %d, request %d: %+v", i, id, m.Error)
		}
		c.conn.Close()
	}
}

// sessionStuckConnecting creates a session, then makes it reconnect through the
// blocked gate, so it stays connecting (a flush of it waits).
func sessionStuckConnecting(t *testing.T, g *gate, dir string) {
	t.Helper()
	ctx := context.Background()
	c := dialTest(t, dir, testClientOptions{name: "setup", quiet: true})
	defer c.Close()
	base := t.TempDir()
	require.NoError(t, c.Call(ctx, protocol.MethodSyncCreate, protocol.SyncCreateParams{
		Name: "stuck", Alpha: filepath.Join(base, "a"), Beta: filepath.Join(base, "b")}, nil))
	require.NoError(t, c.Call(ctx, protocol.MethodSyncPause, protocol.Selection{Sessions: []string{"stuck"}}, nil))
	g.block()
	require.NoError(t, c.Call(ctx, protocol.MethodSyncResume, protocol.Selection{Sessions: []string{"stuck"}}, nil))
	select {
	case <-g.entered:
	case <-time.After(time.Minute): // a bound for failure only
		t.Fatal("the resumed session never tried to connect")
	}
}

// A flush that waits for a cycle does not hold up the requests behind it.
func TestWaitingFlushDoesNotBlockLaterRequests(t *testing.T) {
	g := newGate()
	dir, _ := startGatedDaemon(t, g)
	sessionStuckConnecting(t, g, dir)
	c := dialRaw(t, dir)
	c.send(frame(initFrame(1, "t")) +
		frame(`{"jsonrpc":"2.0","id":2,"method":"sync/flush","params":{"sessions":["stuck"]}}`) +
		frame(`{"jsonrpc":"2.0","id":3,"method":"sync/list","params":{}}`))
	require.Nil(t, c.until("initialize's reply", isReply(1)).Error)
	m := c.until("a reply", func(m message) bool { return m.Method == "" })
	require.Equal(t, "3", string(m.ID), "sync/list waited for the flush")
	require.Nil(t, m.Error)
}

// daemon/shutdown tells every client why (daemon/stopping); while the daemon stops,
// new requests get CodeShuttingDown, and so do the requests that were waiting.
func TestShutdownAnnouncesAndAnswersShuttingDown(t *testing.T) {
	g := newGate()
	dir, d := startGatedDaemon(t, g)
	sessionStuckConnecting(t, g, dir)

	watcher := dialRaw(t, dir)
	watcher.send(frame(initFrame(1, "watcher")) +
		frame(`{"jsonrpc":"2.0","id":2,"method":"sync/flush","params":{"sessions":["stuck"]}}`))
	require.Nil(t, watcher.until("initialize's reply", isReply(1)).Error)

	asker := dialRaw(t, dir)
	asker.send(frame(initFrame(1, "asker")) + frame(`{"jsonrpc":"2.0","id":2,"method":"daemon/shutdown"}`))
	require.Nil(t, asker.until("initialize's reply", isReply(1)).Error)
	require.Nil(t, asker.until("shutdown's reply", isReply(2)).Error)

	// The waiting flush is answered once the stop cancels it: whenever that reply
	// comes, it is kept.
	replies := map[string]message{}
	keep := func(ok func(message) bool) func(message) bool {
		return func(m message) bool {
			if isReply(2)(m) {
				replies["2"] = m
			}
			return ok(m)
		}
	}
	m := watcher.until("daemon/stopping", keep(func(m message) bool { return m.Method == protocol.NotifyDaemonStopping }))
	var info protocol.DaemonStopping
	require.NoError(t, json.Unmarshal(m.Params, &info))
	require.Equal(t, protocol.DaemonStopping{Reason: protocol.StopRequested, Client: "asker"}, info)

	// The stuck session holds the stop (its open does not return until released):
	// requests that arrive now are refused.
	watcher.sendFrame(`{"jsonrpc":"2.0","id":3,"method":"sync/list","params":{}}`)
	m = watcher.until("the late request's reply", keep(isReply(3)))
	require.NotNil(t, m.Error)
	require.Equal(t, protocol.CodeShuttingDown, m.Error.Code)
	require.Contains(t, m.Error.Message, "requested by asker")
	require.Contains(t, m.Error.Message, "once it has restarted")

	g.unblock()
	m, answered := replies["2"]
	if !answered {
		m = watcher.until("the flush's reply", isReply(2))
	}
	require.NotNil(t, m.Error)
	require.Equal(t, protocol.CodeShuttingDown, m.Error.Code)
	select {
	case <-d.Done():
	case <-time.After(time.Minute): // a bound for failure only
		t.Fatal("the daemon did not stop")
	}
}

// A client of another protocol version can still restart an idle daemon: daemon/
// shutdown is served before initialize.
func TestShutdownBeforeInitialize(t *testing.T) {
	g := newGate()
	dir, d := startGatedDaemon(t, g)
	c := dialRaw(t, dir)
	c.sendFrame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientName":"t","protocolVersion":99}}`)
	require.Equal(t, protocol.CodeVersionMismatch, c.next().Error.Code)
	c.sendFrame(`{"jsonrpc":"2.0","id":2,"method":"daemon/shutdown","params":{"reason":"upgrade","ifIdle":true}}`)
	m := c.next()
	require.Nil(t, m.Error)
	select {
	case <-d.Done():
	case <-time.After(time.Minute): // a bound for failure only
		t.Fatal("the daemon did not stop")
	}
}

// daemon/shutdown with ifIdle refuses while another client is connected, and says
// which.
func TestIdleShutdownRefusedWhileOthersAreConnected(t *testing.T) {
	dir := startDaemon(t)
	ctx := context.Background()
	other := dialTest(t, dir, testClientOptions{name: "vscode"})
	defer other.Close()
	c := dialTest(t, dir, testClientOptions{name: "ferry-cli"})
	defer c.Close()
	err := c.Call(ctx, protocol.MethodDaemonShutdown, protocol.DaemonShutdownParams{Reason: protocol.StopUpgrade, IfIdle: true}, nil)
	require.Error(t, err)
	require.Equal(t, int64(protocol.CodeBusy), rpcCode(err))
	require.Contains(t, rpcMessage(err), "1 other client connected (vscode)")
	require.NoError(t, c.Call(ctx, protocol.MethodSyncList, protocol.SyncListParams{}, nil), "the daemon goes on")
}

// The daemon cannot resolve a relative path against the client's working directory:
// it refuses it and says to pass an absolute one.
func TestSyncCreateRefusesRelativePaths(t *testing.T) {
	c := dialRaw(t, startDaemon(t))
	c.sendFrame(initFrame(1, "t"))
	require.Nil(t, c.next().Error)
	abs := t.TempDir()
	for i, pair := range [][2]string{{"rel/a", abs}, {abs, "./b"}, {abs, "../b"}} {
		params, _ := json.Marshal(protocol.SyncCreateParams{Alpha: pair[0], Beta: pair[1]})
		c.sendFrame(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"sync/create","params":%s}`, i+2, params))
		m := c.next()
		require.NotNil(t, m.Error, "%v", pair)
		require.Equal(t, protocol.CodeInvalidArgument, m.Error.Code)
		require.Contains(t, m.Error.Message, "relative path")
		require.Contains(t, m.Error.Message, "pass an absolute path")
		require.NotContains(t, m.Error.Message, "\n")
	}
}

func TestErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code int
	}{
		{"halted", fmt.Errorf("web: %w", session.ErrHalted), protocol.CodeHalted},
		{"not found", fmt.Errorf("%w: no session named x", registry.ErrNotFound), protocol.CodeNotFound},
		{"paused", session.ErrPaused, protocol.CodePaused},
		{"other", errors.New("boom"), protocol.CodeFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, int64(tc.code), rpcCode(toRPCError(tc.err)))
		})
	}
}

func rpcCode(err error) int64 {
	var rpcErr *jsonrpc2.Error
	if errors.As(err, &rpcErr) {
		return rpcErr.Code
	}
	return 0
}
