package server

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/protocol"
)

// A sync/create on folders inside another session's fails with CodeOverlap, naming
// the session, and succeeds with force.
func TestSyncCreateOverlapCode(t *testing.T) {
	require.Equal(t, int64(protocol.CodeOverlap), rpcCode(toRPCError(fmt.Errorf("x: %w", &session.OverlapError{Session: "web"}))))

	c := dialRaw(t, startDaemon(t))
	c.sendFrame(initFrame(1, "t"))
	require.Nil(t, c.next().Error)
	base := t.TempDir()
	alpha := filepath.Join(base, "web")
	require.NoError(t, os.MkdirAll(filepath.Join(alpha, "docs"), 0o755))
	create := func(id int, p protocol.SyncCreateParams) *protocol.SyncCreateResult {
		params, _ := json.Marshal(p)
		c.sendFrame(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"sync/create","params":%s}`, id, params))
		m := c.next()
		if m.Error != nil {
			require.Equal(t, protocol.CodeOverlap, m.Error.Code, m.Error.Message)
			require.Contains(t, m.Error.Message, "lies inside alpha of session web")
			return nil
		}
		var res protocol.SyncCreateResult
		require.NoError(t, json.Unmarshal(m.Result, &res))
		return &res
	}
	require.NotNil(t, create(2, protocol.SyncCreateParams{Name: "web", Alpha: alpha, Beta: filepath.Join(base, "copy"), Paused: true}))
	nested := protocol.SyncCreateParams{Name: "docs", Alpha: filepath.Join(alpha, "docs"), Beta: filepath.Join(base, "copy", "docs"), Paused: true}
	require.Nil(t, create(3, nested))
	nested.Force = true
	require.NotNil(t, create(4, nested))
}
