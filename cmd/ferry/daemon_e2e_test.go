package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/protocol"
	"github.com/ferrysync/ferry/server"
)

// command is ferry (bin, or the binary under test when "") with the env's environment.
func (e *env) command(bin string, extra []string, args ...string) *exec.Cmd {
	if bin == "" {
		bin = ferryBin
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+e.home, "FERRY_DATA_DIR="+e.data, "GORACE=atexit_sleep_ms=0 halt_on_error=1")
	cmd.Env = append(cmd.Env, e.extra...)
	cmd.Env = append(cmd.Env, extra...)
	return cmd
}

// runCmd runs cmd and returns its outcome.
func runCmd(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", cmd.Args, err)
	}
	return result{out.String(), errb.String(), code}
}

// stdio is a running "ferry --stdio".
type stdio struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *lockedBuffer
	exited chan error
	frames chan stdioFrame
}

type stdioFrame struct {
	msg map[string]json.RawMessage
	err error
}

func (e *env) startStdio(bin string, extra ...string) *stdio {
	e.t.Helper()
	cmd := e.command(bin, extra, "--stdio")
	in, err := cmd.StdinPipe()
	require.NoError(e.t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(e.t, err)
	s := &stdio{t: e.t, cmd: cmd, in: in, out: bufio.NewReader(out), stderr: &lockedBuffer{},
		exited: make(chan error, 1), frames: make(chan stdioFrame, 100)}
	cmd.Stderr = s.stderr
	require.NoError(e.t, cmd.Start())
	go func() {
		for {
			body, err := protocol.ReadFrame(s.out)
			var m map[string]json.RawMessage
			if err == nil {
				err = json.Unmarshal(body, &m)
			}
			s.frames <- stdioFrame{m, err}
			if err != nil {
				return
			}
		}
	}()
	go func() { s.exited <- cmd.Wait() }()
	e.t.Cleanup(func() {
		in.Close()
		select {
		case <-s.exited:
		case <-time.After(time.Minute):
			cmd.Process.Kill()
		}
	})
	return s
}

// lockedBuffer is a bytes.Buffer safe for a process's writes and the test's reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (s *stdio) send(body string) {
	s.t.Helper()
	require.NoError(s.t, protocol.WriteFrame(s.in, []byte(body)))
}

// until reads frames until ok accepts one.
func (s *stdio) until(what string, ok func(map[string]json.RawMessage) bool) map[string]json.RawMessage {
	s.t.Helper()
	timeout := time.After(2 * time.Minute) // a bound for failure only
	for {
		select {
		case f := <-s.frames:
			require.NoError(s.t, f.err, "reading ferry --stdio while waiting for %s (stderr: %s)", what, s.stderr)
			if ok(f.msg) {
				return f.msg
			}
		case <-timeout:
			s.t.Fatalf("no %s from ferry --stdio (stderr: %s)", what, s.stderr)
		}
	}
}

// initialize sends initialize and returns its result.
func (s *stdio) initialize() protocol.InitializeResult {
	s.t.Helper()
	s.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientName":"editor","protocolVersion":%d}}`, protocol.ProtocolVersion))
	m := s.until("initialize's reply", func(m map[string]json.RawMessage) bool { return string(m["id"]) == "1" })
	require.Nil(s.t, m["error"], "%s", m["error"])
	var res protocol.InitializeResult
	require.NoError(s.t, json.Unmarshal(m["result"], &res))
	return res
}

// stopping waits for daemon/stopping and returns its params.
func (s *stdio) stopping() protocol.DaemonStopping {
	s.t.Helper()
	m := s.until("daemon/stopping", func(m map[string]json.RawMessage) bool {
		return string(m["method"]) == `"`+protocol.NotifyDaemonStopping+`"`
	})
	var p protocol.DaemonStopping
	require.NoError(s.t, json.Unmarshal(m["params"], &p))
	return p
}

// wait waits for the process to exit and returns its exit code.
func (s *stdio) wait() int {
	s.t.Helper()
	select {
	case err := <-s.exited:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		require.NoError(s.t, err)
		return 0
	case <-time.After(2 * time.Minute): // a bound for failure only
		s.t.Fatal("ferry --stdio did not exit")
		return -1
	}
}

// ferry --stdio relays daemon/stopping, then ends without an error: after
// "ferry daemon stop" (reason requested, by the CLI) and after SIGTERM to a
// foreground daemon (reason signal).
func TestStdioRelaysDaemonStopping(t *testing.T) {
	e := newEnv(t)
	relay := e.startStdio("")
	relay.initialize()
	e.ok("daemon", "stop")
	require.Equal(t, protocol.DaemonStopping{Reason: protocol.StopRequested, Client: "ferry-cli"}, relay.stopping())
	require.Equal(t, 0, relay.wait(), "stderr: %s", relay.stderr)
	require.Contains(t, relay.stderr.String(), "stopped on purpose")

	// A daemon in the foreground, stopped by a signal.
	daemon := e.command("", nil, "daemon", "run")
	logr, logw, err := os.Pipe()
	require.NoError(t, err)
	daemon.Stdout, daemon.Stderr = logw, logw
	require.NoError(t, daemon.Start())
	logw.Close()
	exited := make(chan struct{})
	go func() { daemon.Wait(); close(exited) }()
	t.Cleanup(func() {
		daemon.Process.Kill()
		<-exited
	})
	var log strings.Builder
	var logMu sync.Mutex
	serving := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(logr)
		once := sync.Once{}
		for sc.Scan() {
			logMu.Lock()
			log.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if strings.Contains(sc.Text(), "serving") {
				once.Do(func() { close(serving) })
			}
		}
	}()
	select {
	case <-serving:
	case <-time.After(2 * time.Minute): // a bound for failure only
		t.Fatal("the foreground daemon did not start serving")
	}
	relay = e.startStdio("", "FERRY_NO_AUTOSTART=1")
	relay.initialize() // the relay reached the foreground daemon (no autostart)
	require.NoError(t, daemon.Process.Signal(syscall.SIGTERM))
	require.Equal(t, protocol.DaemonStopping{Reason: protocol.StopSignal}, relay.stopping())
	require.Equal(t, 0, relay.wait(), "stderr: %s", relay.stderr)
	select {
	case <-exited:
	case <-time.After(2 * time.Minute): // a bound for failure only
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("the daemon did not stop on SIGTERM; its log:\n%s", log.String())
	}
}

var (
	versionBuilds sync.Once
	versionBins   map[string]string
	versionErr    error
)

// versionBin returns the ferry binary stamped with version v ("test-a" or "test-b"),
// built once for the test run, like ferryBin but with -X protocol.Version.
func versionBin(t *testing.T, v string) string {
	t.Helper()
	versionBuilds.Do(func() {
		dir := filepath.Dir(ferryBin)
		versionBins = map[string]string{}
		for _, name := range []string{"test-a", "test-b"} {
			out := filepath.Join(dir, "ferry-"+name)
			args := []string{"build", "-o", out, "-ldflags", "-X github.com/ferrysync/ferry/protocol.Version=" + name}
			if raceEnabled {
				args = append(args, "-race")
			}
			build := exec.Command("go", append(args, ".")...)
			if msg, err := build.CombinedOutput(); err != nil {
				versionErr = fmt.Errorf("building %s: %v\n%s", name, err, msg)
				return
			}
			versionBins[name] = out
		}
	})
	require.NoError(t, versionErr)
	return versionBins[v]
}

// A client of another version restarts an idle daemon (its sessions come back in the
// new one) instead of failing on the version; a busy one is left alone, with a
// message that says why and what to do.
func TestOtherVersionRestartsIdleDaemon(t *testing.T) {
	a, b := versionBin(t, "test-a"), versionBin(t, "test-b")
	e := newEnv(t)
	run := func(bin string, extra []string, args ...string) result {
		t.Helper()
		return runCmd(t, e.command(bin, extra, args...))
	}
	ok := func(bin string, args ...string) string {
		t.Helper()
		r := run(bin, nil, args...)
		require.Equal(t, 0, r.code, "ferry %s failed: %s%s", strings.Join(args, " "), r.stdout, r.stderr)
		return r.stdout
	}
	fails := func(bin string, extra []string, want ...string) {
		t.Helper()
		r := run(bin, extra, "sync", "list")
		require.NotEqual(t, 0, r.code, "ferry sync list should fail: %s", r.stdout)
		msg := strings.TrimSpace(r.stderr)
		require.NotContains(t, msg, "\n", "the error is one line")
		for _, w := range want {
			require.Contains(t, msg, w)
		}
	}
	base := t.TempDir()
	ok(a, "sync", "create", "--name", "s", filepath.Join(base, "alpha"), filepath.Join(base, "beta"))
	require.Contains(t, ok(a, "version"), "daemon: test-a")

	// The CLI of the other version restarts the idle daemon; the session is back.
	require.Contains(t, ok(b, "sync", "list"), "Name: s")
	require.Contains(t, ok(b, "version"), "daemon: test-b")

	// So does ferry --stdio.
	relay := e.startStdio(a)
	require.Equal(t, "test-a", relay.initialize().Version)
	require.Contains(t, ok(a, "sync", "list"), "Name: s")

	// While the editor is connected, the daemon is busy: left alone, and the message
	// says who uses it and what to do.
	fails(b, nil, "the running daemon is ferry test-a and this is ferry test-b", "1 other client connected (editor)", "ferry daemon stop")
	relay.in.Close()
	require.Equal(t, 0, relay.wait())

	// Without autostart, ferry does not restart it and says how to.
	fails(b, []string{"FERRY_NO_AUTOSTART=1"}, "the running daemon is ferry test-a", "ferry daemon stop")

	// A forward with an open connection keeps it busy too.
	echoLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	serve(t, echoLn, echo)
	local := freePort(t)
	ok(a, "forward", "create", "--name", "echo", fmt.Sprintf("tcp:127.0.0.1:%d", local), "tcp:"+echoLn.Addr().String())
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", local))
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("x"))
	require.NoError(t, err)
	_, err = io.ReadFull(conn, make([]byte, 1)) // echoed: the connection is open
	require.NoError(t, err)
	fails(b, nil, "forward echo has 1 open connection", "ferry daemon stop")
	require.Contains(t, ok(a, "version"), "daemon: test-a")
}

// copyBinary copies the binary under test into a directory every user may read.
func copyBinary(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ferry-e2e-shared-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	data, err := os.ReadFile(ferryBin)
	require.NoError(t, err)
	bin := filepath.Join(dir, "ferry")
	require.NoError(t, os.WriteFile(bin, data, 0o755))
	return bin
}

// openUp lets every user search dir and its parents up to the system temp dir (the
// test's own temp dirs are private).
func openUp(t *testing.T, dir string) {
	t.Helper()
	tmp := filepath.Clean(os.TempDir())
	for p := filepath.Clean(dir); p != tmp && p != filepath.Dir(p); p = filepath.Dir(p) {
		require.NoError(t, os.Chmod(p, 0o755))
	}
}

// nobody is the uid the cross-user tests run clients as.
const nobody = 65534

// asUser runs cmd as uid (root only).
func asUser(cmd *exec.Cmd, uid int) *exec.Cmd {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	return cmd
}

// A user who cannot reach the data directory is told which path, whose it is, its
// mode and what to do, not that no daemon runs; with autostart on or off, and with a
// daemon running or not.
func TestDataDirWithoutAccess(t *testing.T) {
	e := newEnv(t)
	bin := copyBinary(t)
	e.ok("daemon", "start")
	openUp(t, filepath.Dir(e.data))
	home := t.TempDir()
	openUp(t, home)
	require.NoError(t, os.Chmod(home, 0o777))

	client := func(extra ...string) result {
		t.Helper()
		cmd := e.command(bin, append([]string{"HOME=" + home}, extra...), "sync", "list")
		if os.Geteuid() == 0 {
			return runCmd(t, asUser(cmd, nobody))
		}
		return runCmd(t, cmd)
	}
	want := []string{"permission denied", e.data, "mode 0700", "FERRY_DATA_DIR"}
	if os.Geteuid() != 0 {
		// Not root: take the access away from ourselves instead.
		require.NoError(t, os.Chmod(e.data, 0))
		t.Cleanup(func() { os.Chmod(e.data, 0o700) })
		want = []string{"permission denied", e.data, "mode 0000", "chmod u+rwx"}
	}
	for _, extra := range [][]string{nil, {"FERRY_NO_AUTOSTART=1"}} {
		for _, running := range []bool{true, false} {
			if !running {
				if os.Geteuid() != 0 {
					os.Chmod(e.data, 0o700)
				}
				e.ok("daemon", "stop")
				if os.Geteuid() != 0 {
					os.Chmod(e.data, 0)
				}
			}
			r := client(extra...)
			require.NotEqual(t, 0, r.code)
			msg := strings.TrimSpace(r.stderr)
			require.NotContains(t, msg, "\n", "one line")
			require.NotContains(t, msg, "no ferry daemon is running")
			for _, w := range want {
				require.Contains(t, msg, w, "env %v, daemon running %v", extra, running)
			}
			if os.Geteuid() == 0 {
				require.Contains(t, msg, "uid 65534")
			}
			if !running {
				if os.Geteuid() != 0 {
					os.Chmod(e.data, 0o700)
				}
				e.ok("daemon", "start")
				if os.Geteuid() != 0 {
					os.Chmod(e.data, 0)
				}
			}
		}
	}
}

// A connection from another user that reaches the socket (the data directory and
// socket opened up by hand) is refused with the reason, which the client shows
// instead of "connection is closed"; ferry --stdio says it too.
func TestPeerOfAnotherUserIsToldWhy(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run a client as another user")
	}
	e := newEnv(t)
	bin := copyBinary(t)
	e.ok("daemon", "start")
	openUp(t, e.data)
	require.NoError(t, os.Chmod(server.SocketPath(e.data), 0o777))
	home := t.TempDir()
	openUp(t, home)
	require.NoError(t, os.Chmod(home, 0o777))
	for _, args := range [][]string{{"sync", "list"}, {"--stdio"}} {
		cmd := asUser(e.command(bin, []string{"HOME=" + home, "FERRY_NO_AUTOSTART=1"}, args...), nobody)
		cmd.Stdin = strings.NewReader("")
		if args[0] == "--stdio" {
			// An editor that sends initialize and waits.
			body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientName":"editor","protocolVersion":%d}}`, protocol.ProtocolVersion)
			cmd.Stdin = strings.NewReader(fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body))
		}
		r := runCmd(t, cmd)
		require.NotEqual(t, 0, r.code, "%v: %s", args, r.stdout)
		msg := strings.TrimSpace(r.stderr)
		require.NotContains(t, msg, "\n", "one line")
		require.NotContains(t, msg, "connection is closed")
		require.Contains(t, msg, "belongs to uid 0 (root)", "%v", args)
		require.Contains(t, msg, "you are uid 65534", "%v", args)
		require.Contains(t, msg, "FERRY_DATA_DIR", "%v", args)
	}
}

// The CLI resolves relative local paths against its own working directory before it
// sends them (the daemon refuses relative ones), for sync sessions and unix sockets.
func TestRelativePathsAreResolvedByTheCLI(t *testing.T) {
	e := newEnv(t)
	cwd := t.TempDir()
	cmd := e.command("", nil, "sync", "create", "--name", "rel", "alpha", "./beta")
	cmd.Dir = cwd
	r := runCmd(t, cmd)
	require.Equal(t, 0, r.code, "%s%s", r.stdout, r.stderr)
	s := e.session("rel")
	require.Equal(t, filepath.Join(cwd, "alpha"), s.Alpha.URL)
	require.Equal(t, filepath.Join(cwd, "beta"), s.Beta.URL)

	web := httpServer(t, "over a unix socket")
	cmd = e.command("", nil, "forward", "create", "--name", "sock", "unix:fwd.sock", fmt.Sprintf("tcp:127.0.0.1:%d", web))
	cmd.Dir = cwd
	r = runCmd(t, cmd)
	require.Equal(t, 0, r.code, "%s%s", r.stdout, r.stderr)
	require.Equal(t, "unix:"+filepath.Join(cwd, "fwd.sock"), e.forward("sock").Source)
	c, err := net.Dial("unix", filepath.Join(cwd, "fwd.sock"))
	require.NoError(t, err)
	fmt.Fprintf(c, "GET / HTTP/1.0\r\n\r\n")
	resp, err := io.ReadAll(c)
	c.Close()
	require.NoError(t, err)
	require.Contains(t, string(resp), "over a unix socket")
}
