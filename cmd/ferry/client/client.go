// Package client is how the CLI and tests talk to the daemon: dial its socket in the
// data directory (starting the daemon when allowed, restarting an idle one of another
// version), initialize, then typed calls of the requests protocol/methods.go declares;
// and the stdio relay behind "ferry --stdio".
//
// Invariants:
//   - A call's params and result types are those its method declares (Call is generic
//     over protocol.Request[P, R]).
//   - A daemon is started only when the options allow it, and at most one serves a
//     data directory (the one holding its lock).
//   - Errors say what to do: a refused connection comes back as the daemon's reason.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/ferrysync/ferry/protocol"
	"github.com/ferrysync/ferry/server"
)

// ExitRunning is the exit status of "ferry daemon run" when another daemon already
// holds the data directory.
const ExitRunning = 3

// isRunningExit reports whether a started daemon's exit says another one serves.
func isRunningExit(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ExitCode() == ExitRunning
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// startTimeout bounds how long a client waits for a daemon it started.
const startTimeout = 15 * time.Second

// ErrNotRunning is returned by Dial when no daemon runs and autostart is off.
var ErrNotRunning = errors.New("no ferry daemon is running; start one with \"ferry daemon start\" (or unset FERRY_NO_AUTOSTART)")

// ClientOptions configure a connection to the daemon.
type ClientOptions struct {
	// DataDir is the daemon's data directory.
	DataDir string
	// Autostart starts a daemon when none is running.
	Autostart bool
	// Name identifies the client to the daemon.
	Name string
	// Quiet asks for no state notifications.
	Quiet bool
	// OtherVersion says what to do when the running daemon is another release of
	// ferry (or speaks another protocol version); the zero value uses it as it is.
	OtherVersion VersionPolicy
	// OnState receives sync state notifications (on the connection's reader goroutine).
	OnState func(protocol.SyncSession)
	// OnForward receives forward state notifications (likewise).
	OnForward func(protocol.ForwardSession)
	// OnStopping receives daemon/stopping (likewise), just before the daemon stops on
	// purpose and closes the connection.
	OnStopping func(protocol.DaemonStopping)
	// Prompt answers the daemon's questions; nil declares the client unable to.
	Prompt Prompter
}

// VersionPolicy says what a client does with a daemon of another version.
type VersionPolicy int

// The policies.
const (
	// UseAnyVersion uses the running daemon whatever its release (it still fails on
	// another protocol version).
	UseAnyVersion VersionPolicy = iota
	// RestartOtherVersion restarts an idle daemon of another release or protocol
	// version with this binary (daemon/shutdown with ifIdle, then autostart), and
	// fails with what to do when the daemon is busy.
	RestartOtherVersion
	// RefuseOtherVersion fails with what to do (for instance when autostart is off).
	RefuseOtherVersion
)

// Prompter answers prompt requests for a client.
type Prompter interface {
	HostKey(ctx context.Context, p protocol.HostKeyPrompt) (protocol.HostKeyAnswer, error)
	Secret(ctx context.Context, p protocol.SecretPrompt) (protocol.SecretAnswer, error)
}

// Client is an initialized connection to the daemon.
type Client struct {
	conn   *jsonrpc2.Conn
	stream *server.Stream
	// Init is the daemon's answer to initialize.
	Init protocol.InitializeResult
}

// Dial connects to the daemon of opts.DataDir, starting it if allowed, and initializes.
// A daemon of another version is dealt with as opts.OtherVersion says.
func Dial(ctx context.Context, opts ClientOptions) (*Client, error) {
	c, err := connect(ctx, opts.DataDir, opts.Autostart, opts)
	if err != nil {
		return nil, err
	}
	err = c.initialize(ctx, opts)
	theirs, other := c.otherVersion(err)
	switch {
	case err != nil && !other:
		c.Close()
		return nil, err
	case !other || opts.OtherVersion == UseAnyVersion:
		if err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	case opts.OtherVersion == RefuseOtherVersion:
		c.Close()
		return nil, fmt.Errorf("the running daemon is %s and this is ferry %s; restart it with \"ferry daemon stop\" and \"ferry daemon start\" (with FERRY_NO_AUTOSTART=1 ferry does not restart it itself)", theirs, protocol.Version)
	}
	// Restart the idle daemon with this binary.
	_, err = Call(ctx, c, protocol.DaemonShutdown, protocol.DaemonShutdownParams{Reason: protocol.StopUpgrade, IfIdle: true})
	c.Close()
	var rpcErr *jsonrpc2.Error
	if errors.As(err, &rpcErr) && rpcErr.Code == protocol.CodeBusy {
		return nil, fmt.Errorf("the running daemon is %s and this is ferry %s, and it was not restarted because %s; when they are done, run \"ferry daemon stop\" and try again",
			theirs, protocol.Version, strings.TrimPrefix(rpcErr.Message, "the daemon is busy: "))
	}
	if err != nil {
		return nil, fmt.Errorf("restarting the daemon (%s) for this ferry %s: %s; run \"ferry daemon stop\" and try again", theirs, protocol.Version, rpcMessage(err))
	}
	if err := WaitStopped(ctx, opts.DataDir, 30*time.Second); err != nil {
		return nil, fmt.Errorf("restarting the daemon (%s) for this ferry %s: %w", theirs, protocol.Version, err)
	}
	if c, err = connect(ctx, opts.DataDir, true, opts); err != nil {
		return nil, err
	}
	if err := c.initialize(ctx, opts); err != nil {
		c.Close()
		return nil, err
	}
	if c.Init.Version != protocol.Version {
		c.Close()
		return nil, fmt.Errorf("the daemon was restarted for ferry %s, but the one now running is ferry %s (another ferry started it meanwhile); run \"ferry daemon stop\" and try again", protocol.Version, c.Init.Version)
	}
	return c, nil
}

// otherVersion reports whether initialize met a daemon of another release or
// protocol version, and describes it.
func (c *Client) otherVersion(initErr error) (string, bool) {
	var rpcErr *jsonrpc2.Error
	if errors.As(initErr, &rpcErr) && rpcErr.Code == protocol.CodeVersionMismatch {
		return "of another protocol version (" + rpcErr.Message + ")", true
	}
	if initErr == nil && c.Init.Version != protocol.Version {
		return "ferry " + c.Init.Version, true
	}
	return "", false
}

// rpcMessage is what a person should read of an error from the daemon.
func rpcMessage(err error) string {
	var rpcErr *jsonrpc2.Error
	if errors.As(err, &rpcErr) {
		return rpcErr.Message
	}
	return err.Error()
}

// connect opens a JSON-RPC connection to the daemon of dir, not yet initialized.
func connect(ctx context.Context, dir string, autostart bool, opts ClientOptions) (*Client, error) {
	nc, err := dialSocket(ctx, dir, autostart)
	if err != nil {
		return nil, err
	}
	h := jsonrpc2.HandlerWithError(func(ctx context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
		switch {
		case req.Method == protocol.NotifySyncState && opts.OnState != nil && req.Params != nil:
			var s protocol.SyncSession
			if json.Unmarshal(*req.Params, &s) == nil {
				opts.OnState(s)
			}
			return nil, nil
		case req.Method == protocol.NotifyForwardState && req.Params != nil:
			var s protocol.ForwardSession
			if opts.OnForward != nil && json.Unmarshal(*req.Params, &s) == nil {
				opts.OnForward(s)
			}
			return nil, nil
		case req.Method == protocol.NotifyDaemonStopping && req.Params != nil:
			var s protocol.DaemonStopping
			if opts.OnStopping != nil && json.Unmarshal(*req.Params, &s) == nil {
				opts.OnStopping(s)
			}
			return nil, nil
		case req.Method == protocol.NotifySyncState || req.Method == protocol.NotifyLog:
			return nil, nil
		case req.Method == protocol.RequestHostKey && opts.Prompt != nil && req.Params != nil:
			var p protocol.HostKeyPrompt
			if err := json.Unmarshal(*req.Params, &p); err != nil {
				return nil, err
			}
			return opts.Prompt.HostKey(ctx, p)
		case req.Method == protocol.RequestSecret && opts.Prompt != nil && req.Params != nil:
			var p protocol.SecretPrompt
			if err := json.Unmarshal(*req.Params, &p); err != nil {
				return nil, err
			}
			return opts.Prompt.Secret(ctx, p)
		}
		return nil, &jsonrpc2.Error{Code: protocol.CodeMethodNotFound, Message: "this client does not handle " + req.Method}
	})
	st := server.NewStream(nc)
	return &Client{stream: st, conn: jsonrpc2.NewConn(ctx, st, h, jsonrpc2.SetLogger(discardLogger{}))}, nil
}

// initialize sends initialize and records the answer.
func (c *Client) initialize(ctx context.Context, opts ClientOptions) error {
	init, err := Call(ctx, c, protocol.Initialize, protocol.InitializeParams{
		ClientName: opts.Name, ClientVersion: protocol.Version, ProtocolVersion: protocol.ProtocolVersion, Quiet: opts.Quiet,
		Prompts: opts.Prompt != nil,
	})
	c.Init = init
	if err != nil {
		return fmt.Errorf("initializing: %w", err)
	}
	return nil
}

// Call sends request m with params p and returns its result. When the daemon refused
// the connection, the error is the daemon's reason.
func Call[P, R any](ctx context.Context, c *Client, m protocol.Request[P, R], p P) (R, error) {
	var r R
	err := c.call(ctx, m.Method, p, &r)
	return r, err
}

// call sends a request and decodes its result into result (which may be nil).
func (c *Client) call(ctx context.Context, method string, params, result any) error {
	err := c.conn.Call(ctx, method, params, result)
	if err == nil {
		return nil
	}
	var rpcErr *jsonrpc2.Error
	if errors.As(err, &rpcErr) {
		return err
	}
	// A refusal comes as an error with a null id just before the connection closes:
	// wait (briefly) for the reader to have seen everything.
	select {
	case <-c.conn.DisconnectNotify():
	case <-time.After(2 * time.Second):
	case <-ctx.Done():
	}
	if e := c.stream.Orphan(); e != nil {
		return e
	}
	return err
}

// Done is closed when the connection closes.
func (c *Client) Done() <-chan struct{} { return c.conn.DisconnectNotify() }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// StopDaemon asks the daemon of dir to stop (daemon/shutdown, reason requested) and
// waits until it has. It returns ErrNotRunning when none runs. A daemon of another
// version or protocol version is stopped too.
func StopDaemon(ctx context.Context, dir, name string) error {
	c, err := connect(ctx, dir, false, ClientOptions{})
	if err != nil {
		return err
	}
	defer c.Close()
	err = c.initialize(ctx, ClientOptions{Name: name, Quiet: true})
	if _, other := c.otherVersion(err); err != nil && !other {
		return err
	}
	// Before initialize (another protocol version), daemon/shutdown is still served.
	if _, err := Call(ctx, c, protocol.DaemonShutdown, protocol.DaemonShutdownParams{Reason: protocol.StopRequested}); err != nil {
		return err
	}
	return WaitStopped(ctx, dir, 30*time.Second)
}

// dialSocket connects to the daemon's socket, starting the daemon if allowed.
func dialSocket(ctx context.Context, dir string, autostart bool) (net.Conn, error) {
	sock := server.SocketPath(dir)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", sock)
	if err == nil {
		return conn, nil
	}
	if server.IsDenied(err) {
		return nil, server.AccessError(dir)
	}
	if !autostart {
		return nil, ErrNotRunning
	}
	exited, err := StartDaemon(dir)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(startTimeout)
	for {
		conn, err := d.DialContext(ctx, "unix", sock)
		if err == nil {
			return conn, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case exitErr := <-exited:
			// A daemon that lost the lock to another (starting or stopping) exits with
			// ExitRunning; try again until one serves.
			if !isRunningExit(exitErr) {
				tail := logTail(dir)
				return nil, fmt.Errorf("the daemon exited at start (%v): %s; its log is %s", exitErr, tail, server.LogPath(dir))
			}
			time.Sleep(100 * time.Millisecond)
			if exited, err = StartDaemon(dir); err != nil {
				return nil, err
			}
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the daemon did not start within %s; see its log %s", startTimeout, server.LogPath(dir))
		}
	}
}

// WaitStopped waits until no daemon holds the lock of dir.
func WaitStopped(ctx context.Context, dir string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		running, err := server.Running(dir)
		if err != nil {
			return err
		}
		if !running {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the daemon did not stop within %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// StartDaemon starts "ferry daemon run" in the background for dir, logging to the data
// directory. The channel receives the process's exit.
func StartDaemon(dir string) (<-chan error, error) {
	if err := server.EnsureDataDir(dir); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the ferry binary: %w", err)
	}
	logf, err := os.OpenFile(server.LogPath(dir), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the daemon log: %w", err)
	}
	cmd := exec.Command(exe, "daemon", "run")
	cmd.Env = append(os.Environ(), "FERRY_DATA_DIR="+dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	if dev, err := os.Open(os.DevNull); err == nil {
		cmd.Stdin = dev
	}
	server.Detach(cmd)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting the daemon: %w", err)
	}
	logf.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return exited, nil
}

// logTail returns the last lines of the daemon log.
func logTail(dir string) string {
	data, _ := os.ReadFile(server.LogPath(dir))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, " / ")
}
