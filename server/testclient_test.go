package server

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/protocol"
)

// testClient is an initialized connection to a test daemon: the part of
// cmd/ferry/client these tests need, without importing it (it imports this package).
type testClient struct{ conn *jsonrpc2.Conn }

type testClientOptions struct {
	name    string
	quiet   bool
	onState func(protocol.SyncSession)
}

func dialTest(t *testing.T, dir string, o testClientOptions) *testClient {
	t.Helper()
	nc, err := net.Dial("unix", SocketPath(dir))
	require.NoError(t, err)
	h := jsonrpc2.HandlerWithError(func(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
		if req.Method == protocol.NotifySyncState && o.onState != nil && req.Params != nil {
			var s protocol.SyncSession
			if err := json.Unmarshal(*req.Params, &s); err == nil {
				o.onState(s)
			}
		}
		return nil, nil
	})
	c := &testClient{conn: jsonrpc2.NewConn(context.Background(), NewStream(nc), jsonrpc2.AsyncHandler(h))}
	t.Cleanup(func() { c.conn.Close() })
	var init protocol.InitializeResult
	require.NoError(t, c.Call(context.Background(), protocol.MethodInitialize, protocol.InitializeParams{
		ClientName: o.name, ProtocolVersion: protocol.ProtocolVersion, Quiet: o.quiet}, &init))
	return c
}

func (c *testClient) Call(ctx context.Context, method string, params, result any) error {
	return c.conn.Call(ctx, method, params, result)
}

func (c *testClient) Close() error { return c.conn.Close() }

// rpcMessage is an RPC error's message.
func rpcMessage(err error) string {
	var e *jsonrpc2.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
