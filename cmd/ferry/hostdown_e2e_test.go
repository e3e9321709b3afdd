package main_test

import (
	"fmt"
	"net"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
	"github.com/ferrysync/ferry/protocol"
)

// A host that stops answering (the TCP connection stays up, nothing comes back) is
// noticed by keepalives: the forward says disconnected with the reason, refuses new
// connections at once instead of letting them hang, and the sync session to the
// same host shows its side disconnected; both come back by themselves when the
// host answers again.
func TestHostDownIsDetectedAndForwardsRefuse(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	proxy := sshdtest.StartProxy(t, sshd.Addr())
	sshd.AddProxyAlias("flaky", proxy)
	web := httpServer(t, "hello through a flaky path")
	local := freePort(t)
	e.ok("forward", "create", "--name", "web", fmt.Sprintf("tcp:127.0.0.1:%d", local), fmt.Sprintf("flaky:tcp:127.0.0.1:%d", web))
	require.Equal(t, "hello through a flaky path", get(t, local))
	alpha := t.TempDir()
	writeFile(t, filepath.Join(alpha, "f"), "x", 0o644)
	e.ok("sync", "create", "--name", "code", alpha, "flaky:~/code")
	e.ok("sync", "flush", "code")

	proxy.Freeze()
	e.waitForward("web", func(f protocol.ForwardSession) bool {
		return f.Status == protocol.ForwardDisconnected && !f.DestinationConnected
	})
	f := e.forward("web")
	require.Contains(t, f.LastError, "new connections are refused")
	_, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", local))
	require.ErrorIs(t, err, syscall.ECONNREFUSED, "a connection while the host is down is refused at once")
	e.waitState("code", "the session's remote side disconnected", func(s protocol.SyncSession) bool { return !s.Beta.Connected })

	proxy.Thaw()
	e.waitForward("web", func(f protocol.ForwardSession) bool {
		return f.Status == protocol.ForwardForwarding && f.DestinationConnected
	})
	require.Equal(t, "hello through a flaky path", get(t, local))
	e.waitState("code", "the session back", func(s protocol.SyncSession) bool {
		return s.Beta.Connected && s.Status == protocol.StatusWatching
	})
}
