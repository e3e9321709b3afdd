package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/ferrysync/ferry/protocol"
)

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
	// OnState receives sync state notifications (on the connection's reader goroutine).
	OnState func(protocol.SyncSession)
	// OnForward receives forward state notifications (likewise).
	OnForward func(protocol.ForwardSession)
	// Prompt answers the daemon's questions; nil declares the client unable to.
	Prompt Prompter
}

// Prompter answers prompt requests for a client.
type Prompter interface {
	HostKey(ctx context.Context, p protocol.HostKeyPrompt) (protocol.HostKeyAnswer, error)
	Secret(ctx context.Context, p protocol.SecretPrompt) (protocol.SecretAnswer, error)
}

// Client is an initialized connection to the daemon.
type Client struct {
	conn *jsonrpc2.Conn
	// Init is the daemon's answer to initialize.
	Init protocol.InitializeResult
}

// Dial connects to the daemon of opts.DataDir, starting it if allowed, and initializes.
func Dial(ctx context.Context, opts ClientOptions) (*Client, error) {
	nc, err := dialSocket(ctx, opts.DataDir, opts.Autostart)
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

	c := &Client{conn: jsonrpc2.NewConn(ctx, newStream(nc), h, jsonrpc2.SetLogger(discardLogger{}))}
	err = c.conn.Call(ctx, protocol.MethodInitialize, protocol.InitializeParams{
		ClientName: opts.Name, ClientVersion: protocol.Version, ProtocolVersion: protocol.ProtocolVersion, Quiet: opts.Quiet,
		Prompts: opts.Prompt != nil,
	}, &c.Init)
	if err != nil {
		c.conn.Close()
		return nil, fmt.Errorf("initializing: %w", err)
	}
	return c, nil
}

// Call sends a request and decodes its result into result (which may be nil).
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	return c.conn.Call(ctx, method, params, result)
}

// Done is closed when the connection closes.
func (c *Client) Done() <-chan struct{} { return c.conn.DisconnectNotify() }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// dialSocket connects to the daemon's socket, starting the daemon if allowed.
func dialSocket(ctx context.Context, dir string, autostart bool) (net.Conn, error) {
	sock := SocketPath(dir)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", sock)
	if err == nil {
		return conn, nil
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
			// A daemon that lost the lock to another (starting or stopping) exits; try
			// again until one serves.
			if tail := logTail(dir); !strings.Contains(tail, ErrRunning.Error()) {
				return nil, fmt.Errorf("the daemon exited at start (%v): %s; its log is %s", exitErr, tail, LogPath(dir))
			}
			time.Sleep(100 * time.Millisecond)
			if exited, err = StartDaemon(dir); err != nil {
				return nil, err
			}
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the daemon did not start within %s; see its log %s", startTimeout, LogPath(dir))
		}
	}
}

// WaitStopped waits until no daemon holds the lock of dir.
func WaitStopped(ctx context.Context, dir string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		f, err := lockFile(filepath.Join(dir, lockName))
		if err == nil {
			f.Close()
			return nil
		}
		if !errors.Is(err, ErrRunning) {
			return err
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
	if err := ensureDataDir(dir); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the ferry binary: %w", err)
	}
	logf, err := os.OpenFile(LogPath(dir), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the daemon log: %w", err)
	}
	cmd := exec.Command(exe, "daemon", "run")
	cmd.Env = append(os.Environ(), "FERRY_DATA_DIR="+dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	if dev, err := os.Open(os.DevNull); err == nil {
		cmd.Stdin = dev
	}
	detach(cmd)
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
	data, _ := os.ReadFile(LogPath(dir))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, " / ")
}
