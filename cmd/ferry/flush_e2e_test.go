package main_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
)

// TestFlushIsABarrier edits a file and runs "ferry sync flush", 200 times in a row,
// alternating sides and kinds of edit: every edit must be on the other side when the
// flush returns. In the slow-watcher cases every watcher event is handled 20 ms late
// (a test seam in the daemon and the agent), so a flush that did not wait for the
// watcher would miss the edit at once; in the busy cases every core is kept busy.
func TestFlushIsABarrier(t *testing.T) {
	for _, tc := range []struct {
		name         string
		remote, busy bool
	}{
		{"local, slow watcher", false, false},
		{"local, busy machine", false, true},
		{"ssh, slow watcher", true, false},
		{"ssh, busy machine", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var delay []string
			if !tc.busy {
				delay = []string{local.WatchDelayEnv + "=20ms"}
			}
			alpha := t.TempDir()
			var e *env
			var beta, betaURL string
			if tc.remote {
				var sshd *sshdtest.Server
				e, sshd = newRemoteEnv(t, sshdtest.Options{Alias: "devbox", RemoteEnv: delay})
				beta, betaURL = filepath.Join(sshd.RemoteHome(), "proj"), "devbox:~/proj"
			} else {
				e = newEnv(t)
				beta = filepath.Join(t.TempDir(), "beta")
				betaURL = beta
			}
			e.extra = append(e.extra, delay...)
			e.ok("sync", "create", "--name", "bar", alpha, betaURL)
			e.ok("sync", "flush", "bar")
			if tc.busy {
				busyCPUs(t)
			}
			roots := [2]string{alpha, beta}
			for i := range 200 {
				src, dst := roots[i%2], roots[1-i%2]
				name := fmt.Sprintf("f%d.txt", i%7)
				want, gone := editForFlush(t, src, name, i)
				e.ok("sync", "flush", "bar")
				for _, p := range gone {
					require.NoFileExists(t, filepath.Join(dst, p), "edit %d: %s is still on the other side after the flush", i, p)
				}
				for p, content := range want {
					got, err := os.ReadFile(filepath.Join(dst, p))
					require.NoError(t, err, "edit %d: %s missing on the other side after the flush", i, p)
					require.Equal(t, content, string(got), "edit %d: %s", i, p)
				}
			}
			require.Zero(t, e.session("bar").ConflictCount)
			requireSameTree(t, alpha, beta)
		})
	}
}

// editForFlush makes the i-th edit of name under root, one of the ways editors and
// tools write files, and returns what the other side must then hold and lack.
func editForFlush(t *testing.T, root, name string, i int) (want map[string]string, gone []string) {
	t.Helper()
	p := filepath.Join(root, name)
	content := fmt.Sprintf("edit %d of %s\n", i, name)
	_, err := os.Stat(p)
	exists := err == nil
	switch {
	case !exists || i%5 == 0: // create, or overwrite in place
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	case i%5 == 1: // atomic replace, as editors save
		tmp := filepath.Join(root, "."+name+".swp")
		require.NoError(t, os.WriteFile(tmp, []byte(content), 0o644))
		require.NoError(t, os.Rename(tmp, p))
	case i%5 == 2: // append
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		require.NoError(t, err)
		_, err = f.WriteString(content)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		content = string(b)
	case i%5 == 3: // rename into a directory
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(root, "dir"), 0o755))
		to := filepath.Join("dir", fmt.Sprintf("moved%d.txt", i))
		require.NoError(t, os.Rename(p, filepath.Join(root, to)))
		return map[string]string{to: string(b)}, []string{name}
	default: // delete
		require.NoError(t, os.Remove(p))
		return nil, []string{name}
	}
	return map[string]string{name: content}, nil
}

// busyCPUs keeps every core busy until the test ends.
func busyCPUs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for range runtime.NumCPU() {
		go func() {
			for n := 0; ctx.Err() == nil; n++ {
				for range 1 << 16 {
					n ^= n << 1
				}
			}
		}()
	}
}
