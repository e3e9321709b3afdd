package main_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/protocol"
)

// start starts ferry in the background with the env's environment, its stdout piped.
func (e *env) start(args ...string) (*exec.Cmd, *bufio.Scanner) {
	e.t.Helper()
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = append(os.Environ(), "HOME="+e.home, "FERRY_DATA_DIR="+e.data, "GORACE=atexit_sleep_ms=0 halt_on_error=1")
	cmd.Env = append(cmd.Env, e.extra...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(e.t, err)
	require.NoError(e.t, cmd.Start())
	e.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, bufio.NewScanner(out)
}

// nextLine reads a line of a started command's output, failing when it ended.
func nextLine(t *testing.T, sc *bufio.Scanner) string {
	t.Helper()
	require.True(t, sc.Scan(), "the command ended early: %v", sc.Err())
	return sc.Text()
}

// conflictedSession makes a session "docs" whose files a.txt, b.txt and c.txt each
// hold another version on either side: written while paused, then resumed.
func conflictedSession(t *testing.T, e *env) (alpha, beta string) {
	base := t.TempDir()
	alpha, beta = filepath.Join(base, "alpha"), filepath.Join(base, "beta")
	files := []string{"a.txt", "b.txt", "c.txt"}
	for _, f := range files {
		writeFile(t, filepath.Join(alpha, f), "ancestor\n", 0o644)
	}
	e.ok("sync", "create", "--name", "docs", alpha, beta)
	e.ok("sync", "flush", "docs")
	e.ok("sync", "pause", "docs")
	for _, f := range files {
		writeFile(t, filepath.Join(alpha, f), "alpha's "+f+"\n", 0o644)
		writeFile(t, filepath.Join(beta, f), "beta's "+f+", longer\n", 0o644)
	}
	e.ok("sync", "resume", "docs")
	e.ok("sync", "flush", "docs")
	return alpha, beta
}

func TestSyncResolveCommand(t *testing.T) {
	e := newEnv(t)
	alpha, beta := conflictedSession(t, e)

	var listed []protocol.SessionConflicts
	require.NoError(t, jsonUnmarshal(e.ok("sync", "conflicts", "--json", "docs"), &listed))
	require.Len(t, listed, 1)
	require.Equal(t, "docs", listed[0].Name)
	require.Len(t, listed[0].Conflicts, 3)
	require.Contains(t, e.ok("sync", "conflicts", "docs"), "docs: 3 conflicts\n")

	// Several paths without a terminal and without --yes: refused, nothing changes.
	e.fails("pass --yes to confirm", "sync", "resolve", "docs", "--keep", "alpha")
	e.fails("pass --yes to confirm", "sync", "resolve", "docs", "--keep", "alpha", "a.txt", "b.txt")
	e.fails("give --keep alpha or --keep beta", "sync", "resolve", "docs", "--keep", "gamma", "a.txt")
	e.fails("give --keep alpha or --keep beta", "sync", "resolve", "docs", "a.txt")
	require.Equal(t, 3, e.session("docs").ConflictCount)

	// One path needs no confirmation.
	out := e.ok("sync", "resolve", "docs", "--keep", "beta", "./a.txt")
	require.Equal(t, "Resolved 1 conflict, keeping beta's version:\n  a.txt\n", out)
	require.Equal(t, "beta's a.txt, longer\n", readFile(t, filepath.Join(alpha, "a.txt")))
	require.Contains(t, e.ok("sync", "conflicts", "docs"), "docs: 2 conflicts\n")

	// A path that is no conflict fails, saying why.
	r := e.run("sync", "resolve", "docs", "--keep", "alpha", "nope.txt")
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stdout, "nope.txt: not in conflict")
	require.Contains(t, r.stderr, "1 path not resolved")

	// Every remaining conflict, confirmed with --yes.
	out = e.ok("sync", "resolve", "docs", "--keep", "alpha", "--yes")
	require.Equal(t, "Resolved 2 conflicts, keeping alpha's version:\n  b.txt\n  c.txt\n", out)
	requireSameTree(t, alpha, beta)
	require.Equal(t, "alpha's b.txt\n", readFile(t, filepath.Join(beta, "b.txt")))
	require.Equal(t, "docs: no conflicts\n", e.ok("sync", "conflicts", "docs"))
	require.NoError(t, jsonUnmarshal(e.ok("sync", "conflicts", "--json", "docs"), &listed))
	require.Empty(t, listed[0].Conflicts)
	require.Equal(t, "docs has no conflicts.\n", e.ok("sync", "resolve", "docs", "--keep", "alpha"))

	// The replaced versions are in the trash, listed as JSON too.
	var items []protocol.TrashItem
	require.NoError(t, jsonUnmarshal(e.ok("sync", "trash", "--json", "docs"), &items))
	var trashed []string
	for _, it := range items {
		trashed = append(trashed, it.Side+":"+it.Path)
	}
	require.Subset(t, trashed, []string{"alpha:a.txt", "beta:b.txt", "beta:c.txt"})
}

func TestSyncCreateWait(t *testing.T) {
	e := newEnv(t)
	base := t.TempDir()
	alpha := filepath.Join(base, "alpha")
	for _, f := range []string{"one.txt", "dir/two.txt", "dir/three.bin"} {
		writeFile(t, filepath.Join(alpha, f), strings.Repeat(f, 1000), 0o644)
	}

	out := e.ok("sync", "create", "--wait", "--name", "waited", alpha, filepath.Join(base, "beta"))
	require.Regexp(t, `^Created session sync_[0-9A-Za-z]{22}\n`, out)
	require.True(t, strings.HasSuffix(out, "\nFirst synchronization completed.\n"), out)
	requireSameTree(t, alpha, filepath.Join(base, "beta"))

	var s protocol.SyncSession
	require.NoError(t, jsonUnmarshal(e.ok("sync", "create", "--wait", "--json", "--name", "waited-json", alpha, filepath.Join(base, "beta2")), &s))
	require.Equal(t, "waited-json", s.Name)
	require.GreaterOrEqual(t, s.Cycles, uint64(1))
	requireSameTree(t, alpha, filepath.Join(base, "beta2"))

	require.NoError(t, jsonUnmarshal(e.ok("sync", "create", "--json", "--paused", "--name", "created-json", alpha, filepath.Join(base, "beta3")), &s))
	require.Equal(t, "created-json", s.Name)
	require.True(t, s.Paused)

	// A session that halts fails the wait, and says why.
	e.fails("halted before its first synchronization", "sync", "create", "--wait", "--max-entry-count", "2", "--name", "halts", alpha, filepath.Join(base, "beta4"))
	require.Equal(t, protocol.StatusHaltedTooManyEntries, e.session("halts").Status)
	e.fails("drop --paused or --wait", "sync", "create", "--wait", "--paused", alpha, filepath.Join(base, "beta5"))
}

func TestSyncMonitorOutput(t *testing.T) {
	e := newEnv(t)
	base := t.TempDir()
	for _, n := range []string{"one", "two"} {
		e.ok("sync", "create", "--name", n, filepath.Join(base, n+"-a"), filepath.Join(base, n+"-b"))
		e.ok("sync", "flush", n)
	}

	// JSON: one object per line, until the session is terminated.
	cmd, sc := e.start("sync", "monitor", "--json", "one")
	var s protocol.SyncSession
	require.NoError(t, json.Unmarshal([]byte(nextLine(t, sc)), &s))
	require.Equal(t, "one", s.Name)
	e.ok("sync", "terminate", "one")
	for !s.Terminated {
		require.NoError(t, json.Unmarshal([]byte(nextLine(t, sc)), &s))
		require.Equal(t, "one", s.Name)
	}
	require.NoError(t, cmd.Wait())

	// Not a terminal: every change is a line of its own, never two sessions on one.
	e.ok("sync", "create", "--name", "three", filepath.Join(base, "three-a"), filepath.Join(base, "three-b"))
	cmd, sc = e.start("sync", "monitor")
	var lines []string
	for len(lines) < 2 {
		lines = append(lines, nextLine(t, sc))
	}
	e.ok("sync", "terminate", "--all")
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	require.NoError(t, cmd.Wait())
	for _, l := range lines {
		require.True(t, strings.HasPrefix(l, "two: ") || strings.HasPrefix(l, "three: "), "line %q", l)
		require.Equal(t, 1, strings.Count(l, ": "), "one session per line: %q", l)
	}
	require.Contains(t, lines, "two: terminated")
	require.Contains(t, lines, "three: terminated")
}

func TestListTemplate(t *testing.T) {
	e := newEnv(t)
	base := t.TempDir()
	for _, n := range []string{"one", "two"} {
		e.ok("sync", "create", "--paused", "--name", n, "--label", "team="+n, filepath.Join(base, n+"-a"), filepath.Join(base, n+"-b"))
	}
	require.Equal(t, "one paused team=one\ntwo paused team=two\n",
		e.ok("sync", "list", "--template", `{{.Name}} {{.Status}} team={{index .Labels "team"}}`))
	require.Equal(t, "two\n", e.ok("sync", "list", "--template", "{{.Name}}\n", "two"))
	e.fails("the --template is not a valid Go template", "sync", "list", "--template", "{{.Name")
	e.fails("the --template failed", "sync", "list", "--template", "{{.Nope}}")
	e.fails("the --template is not a valid Go template", "forward", "list", "--template", "{{range}}")
	require.Equal(t, "", e.ok("forward", "list", "--template", "{{.Name}}"))
}

func TestUnknownSubcommand(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ args, want string }{
		{"sync bogus", `unknown command "bogus" for "ferry sync"; run "ferry sync --help"`},
		{"daemon bogus", `unknown command "bogus" for "ferry daemon"`},
		{"daemon stpo", `did you mean stop?`},
		{"forward bogus", `unknown command "bogus" for "ferry forward"`},
		{"remote bogus", `unknown command "bogus" for "ferry remote"`},
		{"project bogus", `unknown command "bogus" for "ferry project"`},
		{"completion bogus", `unknown command "bogus" for "ferry completion"`},
		{"bogus", `unknown command "bogus" for "ferry"`},
	} {
		e.fails(c.want, strings.Fields(c.args)...)
	}
	// A group alone still shows its help.
	require.Contains(t, e.ok("sync"), "Available Commands:")
	require.NoFileExists(t, filepath.Join(e.data, "daemon.sock"))
}

func TestCompletion(t *testing.T) {
	e := newEnv(t)
	complete := func(args ...string) []string {
		t.Helper()
		out := e.ok(append([]string{"__complete"}, args...)...)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		require.True(t, strings.HasPrefix(lines[len(lines)-1], ":"), "the directive ends the output: %q", out)
		return lines[:len(lines)-1]
	}
	// No daemon: nothing, and none is started.
	require.Empty(t, complete("sync", "pause", ""))
	require.NoFileExists(t, filepath.Join(e.data, "daemon.sock"))

	base := t.TempDir()
	for _, n := range []string{"one", "two", "three"} {
		e.ok("sync", "create", "--paused", "--name", n, filepath.Join(base, n+"-a"), filepath.Join(base, n+"-b"))
	}
	require.Equal(t, []string{"one", "two", "three"}, complete("sync", "list", ""))
	require.Equal(t, []string{"two", "three"}, complete("sync", "resume", "t"))
	require.Equal(t, []string{"three"}, complete("sync", "terminate", "two", "t"))
	require.Empty(t, complete("sync", "trash", "one", ""), "trash takes one session")

	writeFile(t, filepath.Join(e.home, ".ssh", "config"), "Host devbox desk\n  HostName 10.0.0.1\nHost *.corp\n", 0o600)
	require.Equal(t, []string{"devbox:", "desk:"}, complete("sync", "create", "de"))
	require.Empty(t, complete("sync", "create", "./lo"), "local paths complete as files")
	require.Equal(t, []string{"devbox:", "desk:", "tcp:", "tcp4:", "tcp6:", "unix:"}, complete("forward", "create", ""))
}

func TestVersionJSON(t *testing.T) {
	e := newEnv(t)
	var v struct {
		Client string                  `json:"client"`
		Daemon *protocol.VersionResult `json:"daemon"`
	}
	require.NoError(t, jsonUnmarshal(e.ok("version", "--json"), &v))
	require.Equal(t, protocol.Version, v.Client)
	require.Nil(t, v.Daemon)
	e.ok("daemon", "start")
	require.NoError(t, jsonUnmarshal(e.ok("version", "--json"), &v))
	require.NotNil(t, v.Daemon)
	require.Equal(t, protocol.Version, v.Daemon.Version)
}
