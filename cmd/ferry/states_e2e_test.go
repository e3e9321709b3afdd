package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
	"github.com/ferrysync/ferry/protocol"
)

// TestSessionStatesAreTrue walks a session over SSH through the states a person
// sees and checks each is what happens: paused is paused (not a red "disconnected"),
// a host that goes down leaves the local side connected and the remote one
// reconnecting, a session whose host is down when the daemon starts shows it is
// connecting, too many entries is a halt with its reason, and the states of a session
// carry a sequence number that only grows.
func TestSessionStatesAreTrue(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	alpha := t.TempDir()
	writeFile(t, filepath.Join(alpha, "a.txt"), "a", 0o644)
	e.ok("sync", "create", "--name", "st", alpha, "devbox:~/st")
	e.ok("sync", "flush", "st")

	var mu sync.Mutex
	var seqs []uint64
	watch := func() {
		c := e.dialDaemon(func(s protocol.SyncSession) {
			if s.Name == "st" {
				mu.Lock()
				seqs = append(seqs, s.Seq)
				mu.Unlock()
			}
		})
		t.Cleanup(func() { c.Close() })
	}
	watch()

	e.ok("sync", "pause", "st")
	s := e.session("st")
	require.Equal(t, protocol.StatusPaused, s.Status)
	require.Equal(t, protocol.EndpointPaused, s.Alpha.Status)
	require.Equal(t, protocol.EndpointPaused, s.Beta.Status)
	e.ok("sync", "resume", "st")
	e.waitState("st", "watching after resume", func(s protocol.SyncSession) bool {
		return s.Status == protocol.StatusWatching && s.Alpha.Status == protocol.EndpointConnected && s.Beta.Status == protocol.EndpointConnected
	})

	// The host goes down: the local side stays connected.
	sshd.Stop()
	s = e.waitState("st", "the host loss", func(s protocol.SyncSession) bool {
		return s.Beta.Status != protocol.EndpointConnected && s.LastError != ""
	})
	require.Equal(t, protocol.EndpointConnected, s.Alpha.Status, "the local side is healthy")
	require.Contains(t, []string{protocol.EndpointConnecting, protocol.EndpointDisconnected}, s.Beta.Status)
	require.Contains(t, []string{protocol.StatusDisconnected, protocol.StatusConnectingBeta}, s.Status)
	sshd.Restart()
	e.ok("sync", "flush", "st")
	e.waitState("st", "watching after the host is back", func(s protocol.SyncSession) bool {
		return s.Status == protocol.StatusWatching && s.Beta.Status == protocol.EndpointConnected
	})

	// The daemon starts while the host is down: the session says it is connecting.
	e.ok("daemon", "stop")
	sshd.Stop()
	e.ok("daemon", "start")
	watch()
	s = e.waitState("st", "connecting to the host that is down", func(s protocol.SyncSession) bool {
		return s.Beta.Status == protocol.EndpointConnecting || s.Beta.Status == protocol.EndpointDisconnected
	})
	require.Equal(t, protocol.EndpointConnected, s.Alpha.Status)
	require.NotEqual(t, protocol.StatusWatching, s.Status)
	sshd.Restart()
	e.ok("sync", "flush", "st")

	// More entries than allowed: a halt that says why, and that ends by itself.
	dir := t.TempDir()
	for i := range 10 {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("f%d", i)), "x", 0o644)
	}
	e.ok("sync", "create", "--name", "many", "--max-entry-count", "5", dir, filepath.Join(t.TempDir(), "b"))
	s = e.waitState("many", "the too-many-entries halt", func(s protocol.SyncSession) bool {
		return s.Status == protocol.StatusHaltedTooManyEntries
	})
	require.Contains(t, s.LastError, "more than 5 entries")
	require.NotEqual(t, 0, e.run("sync", "flush", "many").code)
	for i := range 7 {
		require.NoError(t, os.Remove(filepath.Join(dir, fmt.Sprintf("f%d", i))))
	}
	e.ok("sync", "flush", "many")
	requireRunning(t, e.session("many"))

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, seqs)
	for i := 1; i < len(seqs); i++ {
		require.Greater(t, seqs[i], seqs[i-1], "state %d arrived out of order", i)
	}
}
