package main_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
	"github.com/ferrysync/ferry/protocol"
)

// killAgents kills the ferry agents serving the given remote home.
func killAgents(t *testing.T, remoteHome string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	killed := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if bytes.Contains(cmdline, []byte("ferry-agent")) && bytes.Contains(environ, []byte("HOME="+remoteHome+"\x00")) {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				killed++
			}
		}
	}
	return killed
}

// randomFiles writes n files of size bytes of random data under dir.
func randomFiles(t *testing.T, dir string, n, size int) {
	t.Helper()
	buf := make([]byte, size)
	for i := 0; i < n; i++ {
		rand.Read(buf)
		writeFile(t, filepath.Join(dir, fmt.Sprintf("d%d/f%03d.bin", i%4, i)), string(buf), 0o644)
	}
}

// requireNoPartialFiles checks a root holds none of ferry's temporary files.
func requireNoPartialFiles(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		require.False(t, strings.HasPrefix(d.Name(), ".ferry-tmp-") || strings.HasPrefix(d.Name(), ".incoming-"), "partial file %s", p)
		return nil
	})
}

func TestRemoteReconnects(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	alpha := t.TempDir()
	beta := filepath.Join(sshd.RemoteHome(), "big")
	randomFiles(t, alpha, 48, 4<<20)
	e.ok("sync", "create", "--name", "big", "--paused", alpha, "devbox:~/big")
	e.ok("sync", "resume", "big")

	// Kill the agent while it receives files.
	e.waitState("big", "staging on beta", func(s protocol.SyncSession) bool {
		return s.Status == protocol.StatusStagingBeta && s.Staging != nil && s.Staging.BytesDone > 0
	})
	require.Positive(t, killAgents(t, sshd.RemoteHome()))
	e.waitState("big", "the session to notice", func(s protocol.SyncSession) bool {
		return s.Status == protocol.StatusDisconnected || s.LastError != ""
	})
	e.waitState("big", "the session to reconnect and converge", func(s protocol.SyncSession) bool {
		return s.Status == protocol.StatusWatching && s.Beta.Files == 48
	})
	requireSameTree(t, alpha, beta)
	requireNoPartialFiles(t, beta)

	// Restart sshd while a second batch is staged. The batch is written while the
	// session is paused, so one cycle stages all of it (written while watching, it
	// goes over in cycles too short to be caught staging).
	e.ok("sync", "pause", "big")
	randomFiles(t, filepath.Join(alpha, "second"), 48, 4<<20)
	e.ok("sync", "resume", "big")
	e.waitState("big", "staging the second batch", func(s protocol.SyncSession) bool {
		return s.Status == protocol.StatusStagingBeta && s.Staging != nil && s.Staging.BytesDone > 0
	})
	sshd.Restart()
	e.waitState("big", "the session to notice the restart", func(s protocol.SyncSession) bool {
		return s.Status == protocol.StatusDisconnected || s.LastError != ""
	})
	e.ok("sync", "flush", "big")
	// The flush's cycle may be followed by a short one for what it landed.
	e.waitState("big", "watching, connected", func(s protocol.SyncSession) bool {
		return s.Status == protocol.StatusWatching && s.Beta.Connected
	})
	requireSameTree(t, alpha, beta)
	requireNoPartialFiles(t, beta)
	requireNoPartialFiles(t, alpha)
}
