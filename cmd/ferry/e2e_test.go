package main_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/protocol"
)

// ferryBin is the ferry binary under test, built once by TestMain with the race
// detector so the daemon's races fail these tests too.
var ferryBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ferry-e2e-bin-")
	if err != nil {
		panic(err)
	}
	ferryBin = filepath.Join(dir, "ferry")
	args := []string{"build", "-o", ferryBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building ferry:", err)
		os.Exit(1)
	}
	// The agent bundle the daemon installs from sits next to it, as make build puts it.
	agent := exec.Command("go", "build", "-o", filepath.Join(dir, "agents", "ferry-agent-"+runtime.GOOS+"-"+runtime.GOARCH), "../ferry-agent")
	agent.Env = append(os.Environ(), "CGO_ENABLED=0")
	agent.Stdout, agent.Stderr = os.Stderr, os.Stderr
	if err := agent.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building ferry-agent:", err)
		os.Exit(1)
	}
	code := m.Run()
	if !checkLeftovers() && code == 0 {
		code = 1
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is an isolated user: its own HOME and data directory, and a daemon stopped at
// the end of the test.
type env struct {
	t     *testing.T
	home  string
	data  string
	extra []string // more environment for every command
}

func newEnv(t *testing.T) *env {
	base := t.TempDir()
	e := &env{t: t, home: filepath.Join(base, "home"), data: filepath.Join(base, "data")}
	require.NoError(t, os.MkdirAll(e.home, 0o755))
	t.Cleanup(func() {
		e.run("daemon", "stop")
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(e.data, "daemon.log")); err == nil {
				t.Logf("daemon log:\n%s", log)
			}
		}
	})
	return e
}

type result struct {
	stdout, stderr string
	code           int
}

func (e *env) run(args ...string) result {
	e.t.Helper()
	return e.runEnv(nil, args...)
}

func (e *env) runEnv(extra []string, args ...string) result {
	e.t.Helper()
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = append(os.Environ(), "HOME="+e.home, "FERRY_DATA_DIR="+e.data, "GORACE=atexit_sleep_ms=0 halt_on_error=1")
	cmd.Env = append(cmd.Env, e.extra...)
	cmd.Env = append(cmd.Env, extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("running ferry %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

// ok runs ferry and fails the test unless it succeeds.
func (e *env) ok(args ...string) string {
	e.t.Helper()
	r := e.run(args...)
	require.Equal(e.t, 0, r.code, "ferry %s failed: %s%s", strings.Join(args, " "), r.stdout, r.stderr)
	return r.stdout
}

// fails runs ferry, expects a non-zero exit and a one-line message containing want.
func (e *env) fails(want string, args ...string) {
	e.t.Helper()
	r := e.run(args...)
	require.NotEqual(e.t, 0, r.code, "ferry %s should fail", strings.Join(args, " "))
	msg := strings.TrimSpace(r.stderr)
	require.NotContains(e.t, msg, "\n", "the error is one line")
	require.Contains(e.t, msg, want)
}

func (e *env) sessions(args ...string) []protocol.SyncSession {
	e.t.Helper()
	var out []protocol.SyncSession
	require.NoError(e.t, json.Unmarshal([]byte(e.ok(append([]string{"sync", "list", "--json"}, args...)...)), &out))
	return out
}

func (e *env) session(name string) protocol.SyncSession {
	e.t.Helper()
	s := e.sessions(name)
	require.Len(e.t, s, 1)
	return s[0]
}

// requireRunning checks that a session is running after a flush: watching, or in a
// cycle of its own. A watcher's signal for changes that the flush's cycle already took
// in (its barrier drains them) can still start one more cycle, which finds nothing to
// do, before a client lists the session, more so on a busy machine; what must not be
// is a halt, waiting for a rescan (a path that failed its check), or a lost side.
func requireRunning(t *testing.T, s protocol.SyncSession) {
	t.Helper()
	running := []string{protocol.StatusWatching, protocol.StatusScanning, protocol.StatusReconciling,
		protocol.StatusStagingAlpha, protocol.StatusStagingBeta, protocol.StatusTransitioning, protocol.StatusSaving}
	require.Contains(t, running, s.Status, "%s: last error: %s", s.Name, s.LastError)
}

func writeFile(t *testing.T, path, content string, mode fs.FileMode) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), mode))
	require.NoError(t, os.Chmod(path, mode))
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// snapshot describes a tree: for each path its type, executable bit, link target and
// content hash.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "link " + target
		case d.IsDir():
			out[rel] = "dir"
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = fmt.Sprintf("file %x exec=%v", sha256.Sum256(data), info.Mode()&0o100 != 0)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

func requireSameTree(t *testing.T, a, b string) {
	t.Helper()
	sa, sb := snapshot(t, a), snapshot(t, b)
	for p, v := range sa {
		require.Equal(t, v, sb[p], "path %q", p)
	}
	require.Equal(t, len(sa), len(sb), "trees have different entry counts")
}

// dialDaemon connects to the test's daemon as an API client that follows state
// notifications, for waiting on events instead of sleeping.
func (e *env) dialDaemon(onState func(protocol.SyncSession)) *client.Client {
	e.t.Helper()
	c, err := client.Dial(context.Background(), client.ClientOptions{DataDir: e.data, Name: "test", OnState: onState})
	require.NoError(e.t, err)
	e.t.Cleanup(func() { c.Close() })
	return c
}

// waitState waits until a notification for the named session satisfies ok.
func (e *env) waitState(name, what string, ok func(protocol.SyncSession) bool) protocol.SyncSession {
	e.t.Helper()
	s, found := e.waitStateWithin(name, 2*time.Minute, ok)
	if !found {
		e.t.Fatalf("timed out waiting for %s; last state: %+v", what, e.session(name))
	}
	return s
}

// waitStateWithin waits up to d for a notification for the named session that
// satisfies ok, and reports whether one came.
func (e *env) waitStateWithin(name string, d time.Duration, ok func(protocol.SyncSession) bool) (protocol.SyncSession, bool) {
	e.t.Helper()
	ch := make(chan protocol.SyncSession, 1000)
	c := e.dialDaemon(func(s protocol.SyncSession) {
		if s.Name == name {
			select {
			case ch <- s:
			default:
			}
		}
	})
	defer c.Close()
	for _, s := range c.Init.Sessions {
		if s.Name == name && ok(s) {
			return s, true
		}
	}
	timeout := time.After(d)
	for {
		select {
		case s := <-ch:
			if ok(s) {
				return s, true
			}
		case <-timeout:
			return protocol.SyncSession{}, false
		}
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
