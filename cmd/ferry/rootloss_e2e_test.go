package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
	"github.com/ferrysync/ferry/protocol"
)

// TestRootLossLeaksNothing empties or deletes a synchronized root with rm -rf while
// the session watches. The watcher delivers such a deletion over many events and
// cycles; the session must halt without having deleted a single file on the other
// side. Ten runs of each on a 200-file tree, one over SSH, and one on the Go source
// tree.
func TestRootLossLeaksNothing(t *testing.T) {
	type run struct {
		name     string
		remote   bool
		goTree   bool
		contents bool // rm -rf root/* (else rm -rf root)
	}
	var runs []run
	for i := range 10 {
		runs = append(runs, run{fmt.Sprintf("rm -rf root/* %d", i), false, false, true},
			run{fmt.Sprintf("rm -rf root %d", i), false, false, false})
	}
	runs = append(runs, run{"ssh, rm -rf root/*", true, false, true}, run{"ssh, rm -rf root", true, false, false},
		run{"go tree, rm -rf root/*", false, true, true}, run{"go tree, rm -rf root", false, true, false})
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			alpha := filepath.Join(t.TempDir(), "alpha")
			if r.goTree {
				copyGoTree(t, alpha)
			} else {
				require.NoError(t, os.MkdirAll(alpha, 0o755))
				for i := range 200 {
					writeFile(t, filepath.Join(alpha, fmt.Sprintf("d%d/e%d/f%d.txt", i%5, i%3, i)), fmt.Sprintf("file %d\n", i), 0o644)
				}
			}
			var e *env
			var beta, betaURL string
			if r.remote {
				var sshd *sshdtest.Server
				e, sshd = newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
				beta, betaURL = filepath.Join(sshd.RemoteHome(), "mirror"), "devbox:~/mirror"
			} else {
				e = newEnv(t)
				beta = filepath.Join(t.TempDir(), "beta")
				betaURL = beta
			}
			e.ok("sync", "create", "--name", "rl", alpha, betaURL)
			e.ok("sync", "flush", "rl")
			before := snapshot(t, beta)

			cmd := "rm -rf " + alpha
			want := protocol.StatusHaltedRootDeleted
			if r.contents {
				cmd, want = "rm -rf "+alpha+"/*", protocol.StatusHaltedRootEmptied
			}
			out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
			require.NoError(t, err, "%s", out)
			e.waitState("rl", want, func(s protocol.SyncSession) bool { return s.Status == want })
			require.Empty(t, treeDiff(before, snapshot(t, beta)), "the other side lost files before the halt")
		})
	}
}

// copyGoTree copies the Go distribution's source tree to dst.
func copyGoTree(t *testing.T, dst string) {
	t.Helper()
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err)
	out, err := exec.Command("cp", "-a", filepath.Join(strings.TrimSpace(string(goroot)), "src"), dst).CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// TestReplacedRootHalts replaces a synchronized root by an older copy of itself
// (rm -rf B && cp -a B.old B) after edits reached it: without a check, the copy's old
// contents would read as edits on that side and revert the other one. The session
// must halt with halted-replica-changed and propagate nothing, locally and on an SSH
// host; a reset then merges both sides afresh, the differences as conflicts.
func TestReplacedRootHalts(t *testing.T) {
	for _, remote := range []bool{false, true} {
		t.Run(map[bool]string{false: "local", true: "ssh"}[remote], func(t *testing.T) {
			alpha := t.TempDir()
			var e *env
			var beta, betaURL string
			if remote {
				var sshd *sshdtest.Server
				e, sshd = newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
				beta, betaURL = filepath.Join(sshd.RemoteHome(), "mirror"), "devbox:~/mirror"
			} else {
				e = newEnv(t)
				beta = filepath.Join(t.TempDir(), "beta")
				betaURL = beta
			}
			for i := range 10 {
				writeFile(t, filepath.Join(alpha, fmt.Sprintf("f%d.txt", i)), "version 1\n", 0o644)
			}
			e.ok("sync", "create", "--name", "rr", alpha, betaURL)
			e.ok("sync", "flush", "rr")
			old := beta + ".old"
			out, err := exec.Command("cp", "-a", beta, old).CombinedOutput()
			require.NoError(t, err, "%s", out)
			for i := range 5 {
				writeFile(t, filepath.Join(alpha, fmt.Sprintf("f%d.txt", i)), "version 2\n", 0o644)
			}
			e.ok("sync", "flush", "rr")
			require.Equal(t, "version 2\n", readFile(t, filepath.Join(beta, "f0.txt")))

			out, err = exec.Command("sh", "-c", "rm -rf "+beta+" && cp -a "+old+" "+beta).CombinedOutput()
			require.NoError(t, err, "%s", out)
			e.waitState("rr", "the replica-changed halt", func(s protocol.SyncSession) bool {
				return s.Status == protocol.StatusHaltedReplicaChanged
			})
			r := e.run("sync", "flush", "rr")
			require.NotEqual(t, 0, r.code)
			require.Contains(t, r.stderr, "another folder")
			for i := range 5 {
				require.Equal(t, "version 2\n", readFile(t, filepath.Join(alpha, fmt.Sprintf("f%d.txt", i))), "alpha's edits are kept")
			}
			require.Equal(t, protocol.StatusHaltedReplicaChanged, e.session("rr").Status)

			e.ok("sync", "reset", "rr")
			e.ok("sync", "flush", "rr")
			s := e.session("rr")
			require.Equal(t, 5, s.ConflictCount, "after a reset the differing files are conflicts: %+v", s.Conflicts)
		})
	}
}
