package main_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/protocol"
)

func TestSyncLifecycle(t *testing.T) {
	e := newEnv(t)
	base := t.TempDir()
	alpha, beta := filepath.Join(base, "alpha"), filepath.Join(base, "beta")
	writeFile(t, filepath.Join(alpha, "hello.txt"), "hello\n", 0o644)
	writeFile(t, filepath.Join(alpha, "bin/run.sh"), "#!/bin/sh\necho run\n", 0o755)
	writeFile(t, filepath.Join(alpha, "deep/a/b/c.txt"), "deep\n", 0o644)
	require.NoError(t, os.MkdirAll(filepath.Join(alpha, "empty/dir"), 0o755))
	require.NoError(t, os.Symlink("hello.txt", filepath.Join(alpha, "link")))
	require.NoError(t, os.Symlink("../hello.txt", filepath.Join(alpha, "deep/up")))

	out := e.ok("sync", "create", "--name", "docs", "--label", "team=web", alpha, beta)
	require.Regexp(t, `^Created session sync_[0-9A-Za-z]{22}\n$`, out)
	e.ok("sync", "flush", "docs")
	requireSameTree(t, alpha, beta)

	s := e.session("docs")
	requireRunning(t, s)
	require.True(t, s.Alpha.Connected)
	require.True(t, s.Beta.Connected)
	require.Equal(t, uint64(3), s.Beta.Files)
	require.Equal(t, uint64(2), s.Beta.Symlinks)
	require.Equal(t, map[string]string{"team": "web"}, s.Labels)

	// Edits on both sides, on different paths.
	writeFile(t, filepath.Join(beta, "hello.txt"), "hello from beta\n", 0o644)
	writeFile(t, filepath.Join(alpha, "new/file.txt"), "new on alpha\n", 0o644)
	require.NoError(t, os.Chmod(filepath.Join(alpha, "deep/a/b/c.txt"), 0o755))
	require.NoError(t, os.RemoveAll(filepath.Join(beta, "empty")))
	e.ok("sync", "flush", "docs")
	requireSameTree(t, alpha, beta)
	require.Equal(t, "hello from beta\n", readFile(t, filepath.Join(alpha, "hello.txt")))
	require.NoDirExists(t, filepath.Join(alpha, "empty"))

	// A conflict is listed, and both versions stay.
	writeFile(t, filepath.Join(alpha, "hello.txt"), "alpha's version\n", 0o644)
	writeFile(t, filepath.Join(beta, "hello.txt"), "beta's version, longer\n", 0o644)
	e.ok("sync", "flush", "docs")
	s = e.session("docs")
	require.Equal(t, 1, s.ConflictCount)
	require.Equal(t, "hello.txt", s.Conflicts[0].Path)
	require.Equal(t, "alpha's version\n", readFile(t, filepath.Join(alpha, "hello.txt")))
	require.Equal(t, "beta's version, longer\n", readFile(t, filepath.Join(beta, "hello.txt")))
	require.Contains(t, e.ok("sync", "list", "--long", "docs"), "hello.txt: alpha has file")
	require.Contains(t, e.ok("sync", "conflicts", "docs"), "hello.txt")

	// Resolving by hand clears the conflict.
	writeFile(t, filepath.Join(beta, "hello.txt"), "alpha's version\n", 0o644)
	e.ok("sync", "flush", "docs")
	require.Equal(t, 0, e.session("docs").ConflictCount)

	// Paused: nothing moves, flush refuses with advice.
	require.Contains(t, e.ok("sync", "pause", "docs"), "Paused docs")
	writeFile(t, filepath.Join(alpha, "while-paused.txt"), "later\n", 0o644)
	e.fails("resume it first", "sync", "flush", "docs")
	require.NoFileExists(t, filepath.Join(beta, "while-paused.txt"))
	require.Equal(t, protocol.StatusPaused, e.session("docs").Status)

	// The daemon restarts with the session still paused; resume then syncs.
	e.ok("daemon", "stop")
	s = e.session("docs")
	require.True(t, s.Paused)
	require.Equal(t, protocol.StatusPaused, s.Status)
	e.ok("sync", "resume", "docs")
	e.ok("sync", "flush", "docs")
	require.Equal(t, "later\n", readFile(t, filepath.Join(beta, "while-paused.txt")))

	// A running session also comes back after a restart, and keeps its history: a
	// deletion made while the daemon was down propagates (it is not undone).
	e.ok("daemon", "stop")
	require.NoError(t, os.Remove(filepath.Join(alpha, "while-paused.txt")))
	e.ok("sync", "flush", "docs")
	require.NoFileExists(t, filepath.Join(beta, "while-paused.txt"))
	requireSameTree(t, alpha, beta)

	require.Contains(t, e.ok("sync", "terminate", "docs"), "Terminated docs")
	require.Empty(t, e.sessions())
	requireSameTree(t, alpha, beta)
}

func TestSyncSelection(t *testing.T) {
	e := newEnv(t)
	base := t.TempDir()
	for _, n := range []string{"one", "two", "three"} {
		env := "dev"
		if n == "three" {
			env = "prod"
		}
		e.ok("sync", "create", "--paused", "--name", n, "--label", "env="+env,
			filepath.Join(base, n+"-a"), filepath.Join(base, n+"-b"))
	}
	require.Len(t, e.sessions("--label-selector", "env=dev"), 2)
	require.Len(t, e.sessions("--label-selector", "env!=dev"), 1)
	id := e.session("two").ID
	require.Equal(t, "two", e.session(id).Name)
	e.ok("sync", "resume", "--label-selector", "env=dev")
	require.False(t, e.session("one").Paused)
	require.True(t, e.session("three").Paused)
	e.ok("sync", "flush", "--label-selector", "env=dev")
	e.ok("sync", "terminate", "--all")
	require.Empty(t, e.sessions())
}

func TestSyncBadInput(t *testing.T) {
	e := newEnv(t)
	base := t.TempDir()
	alpha := filepath.Join(base, "alpha")
	writeFile(t, filepath.Join(alpha, "keep.txt"), "keep", 0o644)
	file := filepath.Join(base, "a-file")
	writeFile(t, file, "x", 0o644)
	e.ok("sync", "create", "--name", "docs", alpha, filepath.Join(base, "beta"))
	e.ok("sync", "flush", "docs")
	before := snapshot(t, base)

	e.fails("create the parent first", "sync", "create", alpha, filepath.Join(base, "missing/parent/beta"))
	e.fails("is a file", "sync", "create", alpha, file)
	e.fails("a session named \"docs\" exists", "sync", "create", "--name", "docs", alpha, filepath.Join(base, "other"))
	e.fails("names start with a letter", "sync", "create", "--name", "9lives", alpha, filepath.Join(base, "other"))
	e.fails("names start with a letter", "sync", "create", "--name", "bad_name", alpha, filepath.Join(base, "other"))
	e.fails("unknown mode \"sideways\"", "sync", "create", "--mode", "sideways", alpha, filepath.Join(base, "other"))
	e.fails("unterminated character class", "sync", "create", "--ignore", "foo[", alpha, filepath.Join(base, "other"))
	e.fails("same folder", "sync", "create", alpha, alpha)
	e.fails("lies inside", "sync", "create", alpha, filepath.Join(alpha, "sub"))
	e.fails("give two endpoints", "sync", "create", alpha)
	e.fails("no session named or identified \"nope\"", "sync", "pause", "nope")
	e.fails("no session matches the label selector", "sync", "flush", "--label-selector", "env=none")
	e.fails("exactly one", "sync", "pause")

	require.Len(t, e.sessions(), 1)
	require.Equal(t, before, snapshot(t, base), "bad input changed files")
	require.NoDirExists(t, filepath.Join(base, "other"))
}

func TestNoAutostart(t *testing.T) {
	e := newEnv(t)
	r := e.runEnv([]string{"FERRY_NO_AUTOSTART=1"}, "sync", "list")
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, "no ferry daemon is running")
	require.NoFileExists(t, filepath.Join(e.data, "daemon.sock"))
	e.ok("daemon", "start")
	r = e.runEnv([]string{"FERRY_NO_AUTOSTART=1"}, "sync", "list")
	require.Equal(t, 0, r.code, r.stderr)
}

func TestDataDirPermissions(t *testing.T) {
	e := newEnv(t)
	e.ok("sync", "list")
	info, err := os.Stat(e.data)
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o700), info.Mode().Perm())
	info, err = os.Stat(filepath.Join(e.data, "daemon.sock"))
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o600), info.Mode().Perm())
	// A second daemon for the same data directory refuses to run.
	r := e.run("daemon", "run")
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, "already running")
}

// TestSyncGoSourceTree syncs the Go distribution's src tree (over 10,000 real files)
// and checks the copy byte for byte.
func TestSyncGoSourceTree(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: copies the Go source tree")
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err)
	src := filepath.Join(strings.TrimSpace(string(goroot)), "src")
	base := t.TempDir()
	alpha, beta := filepath.Join(base, "alpha"), filepath.Join(base, "beta")
	cp := exec.Command("cp", "-a", src, alpha)
	out, err := cp.CombinedOutput()
	require.NoError(t, err, "%s", out)
	n := 0
	filepath.WalkDir(alpha, func(_ string, d fs.DirEntry, _ error) error {
		if d != nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	require.Greater(t, n, 10000)

	e := newEnv(t)
	e.ok("sync", "create", "--name", "gosrc", "--symlink-mode", "posix-raw", alpha, beta)
	e.ok("sync", "flush", "gosrc")
	requireSameTree(t, alpha, beta)
	s := e.session("gosrc")
	require.Equal(t, 0, s.ConflictCount)
	require.Equal(t, 0, s.Alpha.ProblemCount+s.Beta.ProblemCount, "problems: %v %v", s.Alpha.Problems, s.Beta.Problems)
	require.Equal(t, uint64(n), s.Beta.Files)
}
