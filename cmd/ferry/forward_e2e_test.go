package main_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
	"github.com/ferrysync/ferry/protocol"
)

// freePort returns a TCP port on 127.0.0.1 that is free now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// serve runs handle for every connection accepted on ln until the test ends.
func serve(t *testing.T, ln net.Listener, handle func(net.Conn)) {
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
}

// echo copies what it reads back, and half-closes after the client's half-close.
func echo(c net.Conn) {
	io.Copy(c, c)
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}

// httpServer serves text at / on 127.0.0.1 and returns its port.
func httpServer(t *testing.T, text string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, text) })}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

func get(t *testing.T, port int) string {
	t.Helper()
	client := http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// roundTrip sends data, half-closes, and returns what comes back.
func roundTrip(addr string, data []byte) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		if err == nil {
			err = c.(*net.TCPConn).CloseWrite()
		}
		errc <- err
	}()
	got, err := io.ReadAll(c)
	if werr := <-errc; err == nil {
		err = werr
	}
	return got, err
}

// waitForward waits until a notification for the named forward satisfies ok (the
// daemon starts if needed).
func (e *env) waitForward(name string, ok func(protocol.ForwardSession) bool) {
	e.t.Helper()
	ch := make(chan protocol.ForwardSession, 1000)
	e.ok("daemon", "start") // the client below cannot start the real binary's daemon
	c, err := client.Dial(context.Background(), client.ClientOptions{DataDir: e.data, Name: "test",
		OnForward: func(f protocol.ForwardSession) {
			if f.Name == name {
				select {
				case ch <- f:
				default:
				}
			}
		}})
	require.NoError(e.t, err)
	defer c.Close()
	if ok(e.forward(name)) {
		return
	}
	timeout := time.After(time.Minute)
	for {
		select {
		case f := <-ch:
			if ok(f) {
				return
			}
		case <-timeout:
			e.t.Fatalf("timed out waiting for forward %s: %+v", name, e.forward(name))
		}
	}
}

func (e *env) forward(name string) protocol.ForwardSession {
	e.t.Helper()
	var out []protocol.ForwardSession
	require.NoError(e.t, jsonUnmarshal(e.ok("forward", "list", "--json", name), &out))
	require.Len(e.t, out, 1)
	return out[0]
}

func TestForwardToRemote(t *testing.T) {
	e, _ := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	remotePort := httpServer(t, "hello from the remote web server")
	local := freePort(t)
	var echoLn net.Listener
	out := e.ok("forward", "create", "--name", "web", fmt.Sprintf("tcp:127.0.0.1:%d", local), fmt.Sprintf("devbox:tcp:127.0.0.1:%d", remotePort))
	require.Regexp(t, `^Created session fwrd_[0-9A-Za-z]{22}\n$`, out)
	require.Equal(t, "hello from the remote web server", get(t, local))

	// Paused: nothing listens. Resumed, and after a daemon restart: it serves again.
	e.ok("forward", "pause", "web")
	_, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", local), 5*time.Second)
	require.Error(t, err)
	require.Equal(t, protocol.ForwardPaused, e.forward("web").Status)
	e.ok("forward", "resume", "web")
	e.waitForward("web", func(f protocol.ForwardSession) bool { return f.Status == protocol.ForwardForwarding })
	require.Equal(t, "hello from the remote web server", get(t, local))
	e.ok("daemon", "stop")
	e.waitForward("web", func(f protocol.ForwardSession) bool { return f.Status == protocol.ForwardForwarding })
	require.Equal(t, "hello from the remote web server", get(t, local))

	// 100 concurrent connections each moving 1 MB, echoed back intact.
	echoLn, err = net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	serve(t, echoLn, echo)
	local2 := freePort(t)
	e.ok("forward", "create", "--name", "echo", fmt.Sprintf("tcp:127.0.0.1:%d", local2), "devbox:tcp:"+echoLn.Addr().String())
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := make([]byte, 1<<20)
			rand.Read(data)
			got, err := roundTrip(fmt.Sprintf("127.0.0.1:%d", local2), data)
			if err == nil && sha256.Sum256(got) != sha256.Sum256(data) {
				err = fmt.Errorf("checksum mismatch: %d bytes back", len(got))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	f := e.forward("echo")
	require.Equal(t, uint64(100), f.TotalConnections)
	require.Equal(t, uint64(0), f.FailedConnections)
	require.GreaterOrEqual(t, f.BytesOut, uint64(100<<20))
	require.GreaterOrEqual(t, f.BytesIn, uint64(100<<20))
	require.Equal(t, protocol.ForwardForwarding, f.Status)
}

func TestForwardHalfClose(t *testing.T) {
	e, _ := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	// An HTTP/1.0-style server: it answers only once the client has closed its side.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	serve(t, ln, func(c net.Conn) {
		req, _ := io.ReadAll(c)
		fmt.Fprintf(c, "got %d bytes: %s", len(req), bytes.ToUpper(req))
	})
	local := freePort(t)
	e.ok("forward", "create", fmt.Sprintf("tcp:127.0.0.1:%d", local), "devbox:tcp:"+ln.Addr().String())
	got, err := roundTrip(fmt.Sprintf("127.0.0.1:%d", local), []byte("ping"))
	require.NoError(t, err)
	require.Equal(t, "got 4 bytes: PING", string(got))
}

func TestForwardReverseAndUnix(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	// Reverse: a listener on the remote reaches a server on this machine.
	localPort := httpServer(t, "hello from the laptop")
	remote := freePort(t)
	e.ok("forward", "create", "--name", "hook", fmt.Sprintf("devbox:tcp:127.0.0.1:%d", remote), fmt.Sprintf("tcp:127.0.0.1:%d", localPort))
	require.Equal(t, "hello from the laptop", get(t, remote))

	// A unix socket destination on the remote.
	sock := filepath.Join(sshd.RemoteHome(), "app.sock")
	uln, err := net.Listen("unix", sock)
	require.NoError(t, err)
	serve(t, uln, func(c net.Conn) { io.WriteString(c, "unix says hi") })
	local := freePort(t)
	e.ok("forward", "create", "--name", "docker", fmt.Sprintf("tcp:127.0.0.1:%d", local), "devbox:unix:~/app.sock")
	got, err := roundTrip(fmt.Sprintf("127.0.0.1:%d", local), nil)
	require.NoError(t, err)
	require.Equal(t, "unix says hi", string(got))

	// A unix listener here: mode 0600, a stale file replaced only when asked, removed
	// at the end.
	lsock := filepath.Join(t.TempDir(), "fwd.sock")
	require.NoError(t, os.WriteFile(lsock, nil, 0o644))
	e.fails("--socket-overwrite", "forward", "create", "unix:"+lsock, fmt.Sprintf("tcp:127.0.0.1:%d", localPort))
	e.ok("forward", "create", "--name", "sock", "--socket-overwrite", "unix:"+lsock, fmt.Sprintf("tcp:127.0.0.1:%d", localPort))
	info, err := os.Stat(lsock)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	c, err := net.Dial("unix", lsock)
	require.NoError(t, err)
	fmt.Fprintf(c, "GET / HTTP/1.0\r\n\r\n")
	resp, err := io.ReadAll(c)
	c.Close()
	require.NoError(t, err)
	require.Contains(t, string(resp), "hello from the laptop")
	e.ok("forward", "terminate", "sock")
	require.NoFileExists(t, lsock)
}

func TestForwardBadInput(t *testing.T) {
	e, _ := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	e.fails("already in use", "forward", "create", "tcp:"+busy.Addr().String(), "devbox:tcp:127.0.0.1:80")
	e.fails("between 1 and 65535", "forward", "create", "tcp:127.0.0.1:70000", "tcp:127.0.0.1:80")
	e.fails("write tcp:HOST:PORT", "forward", "create", "localhost:8080", "tcp:127.0.0.1:80")
	e.fails("cannot reach", "forward", "create", fmt.Sprintf("tcp:127.0.0.1:%d", freePort(t)), "127.0.0.1:1:tcp:127.0.0.1:80")
	var none []protocol.ForwardSession
	require.NoError(t, jsonUnmarshal(e.ok("forward", "list", "--json"), &none))
	require.Empty(t, none)

	// A destination that refuses: each connection is closed promptly and counted, and
	// the forward keeps serving.
	local := freePort(t)
	closed := freePort(t)
	e.ok("forward", "create", "--name", "refused", fmt.Sprintf("tcp:127.0.0.1:%d", local), fmt.Sprintf("devbox:tcp:127.0.0.1:%d", closed))
	for i := 0; i < 3; i++ {
		start := time.Now()
		got, err := roundTrip(fmt.Sprintf("127.0.0.1:%d", local), []byte("x"))
		require.Empty(t, got)
		_ = err
		require.Less(t, time.Since(start), 20*time.Second, "a refused connection must not hang")
	}
	e.waitForward("refused", func(f protocol.ForwardSession) bool { return f.FailedConnections == 3 })
	f := e.forward("refused")
	require.Contains(t, f.LastError, "refused")
	require.Equal(t, protocol.ForwardForwarding, f.Status)
}

func TestForwardRecoversAfterConnectionLoss(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	// A slow source of data, so the connection is cut mid-transfer.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	serve(t, ln, func(c net.Conn) {
		buf := make([]byte, 64<<10)
		for {
			if _, err := c.Write(buf); err != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	web := httpServer(t, "still here")
	local, local2 := freePort(t), freePort(t)
	e.ok("forward", "create", "--name", "stream", fmt.Sprintf("tcp:127.0.0.1:%d", local), "devbox:tcp:"+ln.Addr().String())
	e.ok("forward", "create", "--name", "web", fmt.Sprintf("tcp:127.0.0.1:%d", local2), fmt.Sprintf("devbox:tcp:127.0.0.1:%d", web))
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", local))
	require.NoError(t, err)
	defer c.Close()
	_, err = io.ReadFull(c, make([]byte, 256<<10))
	require.NoError(t, err)

	before := e.forward("web").Seq
	sshd.Restart()
	// The cut transfer ends (it does not hang).
	c.SetReadDeadline(time.Now().Add(time.Minute))
	_, err = io.Copy(io.Discard, c)
	require.NoError(t, err) // EOF: the forward closed it
	// New connections work again once the host is back: the forward went through
	// disconnected (its listener closed) and is forwarding again.
	e.waitForward("web", func(f protocol.ForwardSession) bool {
		return f.Status == protocol.ForwardForwarding && f.Seq >= before+2
	})
	require.Equal(t, "still here", get(t, local2))
	f := e.forward("web")
	require.Equal(t, protocol.ForwardForwarding, f.Status)
}

func TestRemotePorts(t *testing.T) {
	e, _ := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	out := e.ok("remote", "ports", "devbox")
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, port+" ") {
			line = l
		}
	}
	require.NotEmpty(t, line, "port %s missing from:\n%s", port, out)
	require.Contains(t, line, "127.0.0.1")
	require.Contains(t, line, "ferry.test", "the owning process is named")
}
