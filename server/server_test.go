package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/protocol"
)

// startDaemon runs a daemon in-process on a temp data dir.
func startDaemon(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	d, err := Listen(dir, Engine{Sync: session.Transports{Local: session.OpenLocal}})
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { d.Serve(context.Background()); close(done) }()
	t.Cleanup(func() { d.Stop(); <-done })
	return dir
}

// rawConn speaks frames directly, to send what a well-behaved client would not.
type rawConn struct {
	t    *testing.T
	conn io.ReadWriteCloser
	r    *bufio.Reader
}

func dialRaw(t *testing.T, dir string) *rawConn {
	t.Helper()
	c, err := net.Dial("unix", SocketPath(dir))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, conn: c, r: bufio.NewReader(c)}
}

func (c *rawConn) send(raw string) {
	c.t.Helper()
	_, err := io.WriteString(c.conn, raw)
	require.NoError(c.t, err)
}

func (c *rawConn) sendFrame(body string) {
	c.t.Helper()
	require.NoError(c.t, protocol.WriteFrame(c.conn, []byte(body)))
}

type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Params json.RawMessage `json:"params"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// next reads the next message that is not a notification.
func (c *rawConn) next() message {
	c.t.Helper()
	for {
		body, err := protocol.ReadFrame(c.r)
		require.NoError(c.t, err)
		var m message
		require.NoError(c.t, json.Unmarshal(body, &m))
		if m.Method == "" {
			return m
		}
	}
}

func TestMalformedMessagesGetErrors(t *testing.T) {
	dir := startDaemon(t)
	c := dialRaw(t, dir)

	c.sendFrame(`{"jsonrpc":"2.0","id":1,`)
	m := c.next()
	require.Equal(t, protocol.CodeParseError, m.Error.Code)
	require.Equal(t, "null", string(m.ID))

	c.sendFrame(`{"jsonrpc":"2.0","id":7}`)
	m = c.next()
	require.Equal(t, protocol.CodeInvalidRequest, m.Error.Code)
	require.Equal(t, "7", string(m.ID))

	c.sendFrame(`{"jsonrpc":"2.0","id":2,"method":"sync/list"}`)
	m = c.next()
	require.Equal(t, protocol.CodeNotInitialized, m.Error.Code)

	c.sendFrame(`{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"clientName":"t","protocolVersion":1}}`)
	m = c.next()
	require.Nil(t, m.Error)

	c.sendFrame(`{"jsonrpc":"2.0","id":4,"method":"no/such"}`)
	require.Equal(t, protocol.CodeMethodNotFound, c.next().Error.Code)

	c.sendFrame(`{"jsonrpc":"2.0","id":5,"method":"sync/create","params":{"alpha":5}}`)
	require.Equal(t, protocol.CodeInvalidParams, c.next().Error.Code)

	c.sendFrame(`{"jsonrpc":"2.0","id":6,"method":"sync/pause","params":{"sessions":["nope"]}}`)
	m = c.next()
	require.Equal(t, protocol.CodeNotFound, m.Error.Code)
	require.Contains(t, m.Error.Message, "ferry sync list")

	// A broken header cannot be resynchronized: the client gets an error, then the
	// connection closes; the daemon goes on serving others.
	other := dialRaw(t, dir)
	c.send("Content-Lenght: 12\r\n\r\n{}")
	m = c.next()
	require.Equal(t, protocol.CodeParseError, m.Error.Code)
	_, err := protocol.ReadFrame(c.r)
	require.Error(t, err)
	other.sendFrame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientName":"t","protocolVersion":1}}`)
	require.Nil(t, other.next().Error)
}

func TestProtocolVersionMismatch(t *testing.T) {
	c := dialRaw(t, startDaemon(t))
	c.sendFrame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientName":"t","protocolVersion":99}}`)
	m := c.next()
	require.Equal(t, protocol.CodeVersionMismatch, m.Error.Code)
}

func TestNotificationsReachOtherClients(t *testing.T) {
	dir := startDaemon(t)
	ctx := context.Background()
	states := make(chan protocol.SyncSession, 100)
	watcher := dialTest(t, dir, testClientOptions{name: "watcher", onState: func(s protocol.SyncSession) { states <- s }})
	defer watcher.Close()
	actor := dialTest(t, dir, testClientOptions{name: "actor", quiet: true})
	defer actor.Close()

	base := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(base, "f"), []byte("x"), 0o644))
	var res protocol.SyncCreateResult
	require.NoError(t, actor.Call(ctx, protocol.MethodSyncCreate, protocol.SyncCreateParams{
		Name: "n", Alpha: base, Beta: filepath.Join(t.TempDir(), "b")}, &res))
	deadline := time.After(30 * time.Second)
	for {
		select {
		case s := <-states:
			if s.ID == res.Session.ID && s.Status == protocol.StatusWatching && s.Cycles > 0 {
				require.Equal(t, uint64(1), s.Beta.Files)
				return
			}
		case <-deadline:
			t.Fatal("no notification that the session is watching")
		}
	}
}
