package remote

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/yamux"
	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/ferrysync/ferry/engine/transport/ssh"
	"github.com/ferrysync/ferry/protocol"
	"github.com/ferrysync/ferry/protocol/agentwire"
)

// helloTimeout bounds how long a starting agent may take to say hello.
const helloTimeout = 20 * time.Second

// Host is a live connection to one user@host:port with its agent.
type Host struct {
	// Key identifies the host: user@hostname:port.
	Key    string
	client *gossh.Client
	agent  *gossh.Session
	mux    *yamux.Session
	stderr *tail
	dead   chan struct{}
	// compress: contents travel compressed (see compress.go).
	compress bool
	once     sync.Once
	err      error

	lmu       sync.Mutex
	listeners map[uint64]*listener
}

// Open opens a stream to the agent.
func (h *Host) Open() (net.Conn, error) {
	s, err := h.mux.OpenStream()
	if err != nil {
		return nil, h.failure(err)
	}
	return s, nil
}

// Dead is closed when the connection or the agent has failed.
func (h *Host) Dead() <-chan struct{} { return h.dead }

// Err says why the host is dead ("connection to user@host:port lost: ..."); nil while
// it lives.
func (h *Host) Err() error {
	select {
	case <-h.dead:
		return h.err
	default:
		return nil
	}
}

// Client is the host's SSH connection.
func (h *Host) Client() *gossh.Client { return h.client }

// failure describes why the connection failed, with what the agent said on stderr.
func (h *Host) failure(err error) error {
	select {
	case <-h.dead:
		if h.err != nil {
			return h.err
		}
	default:
	}
	if msg := h.stderr.String(); msg != "" {
		return fmt.Errorf("connection to %s lost: %v (agent: %s)", h.Key, err, msg)
	}
	return fmt.Errorf("connection to %s lost: %v", h.Key, err)
}

// Close ends the agent and the connection.
func (h *Host) Close() error {
	h.markDead(errors.New("closed"))
	h.mux.Close()
	h.agent.Close()
	return h.client.Close()
}

func (h *Host) markDead(err error) {
	h.once.Do(func() {
		if msg := h.stderr.String(); msg != "" {
			err = fmt.Errorf("%v (agent: %s)", err, msg)
		}
		h.err = fmt.Errorf("connection to %s lost: %w", h.Key, err)
		close(h.dead)
	})
}

// monitor marks the host dead when the agent session or SSH connection ends, and
// serves the streams the agent opens.
func (h *Host) monitor() {
	go h.acceptLoop()
	go func() {
		<-h.mux.CloseChan()
		h.markDead(errors.New("the agent's stream closed"))
	}()
	go func() {
		err := h.client.Wait()
		if err == nil {
			err = errors.New("the SSH connection closed")
		}
		h.markDead(err)
		h.mux.Close()
	}()
}

// connect dials a host, starts (installing if needed) its agent and opens the yamux
// session.
func connect(ctx context.Context, hc *ssh.HostConfig, key string, p ssh.Prompter, b *Bundle) (*Host, error) {
	id, err := b.ID()
	if err != nil {
		return nil, err
	}
	client, err := ssh.DialConfig(ctx, hc, p)
	if err != nil {
		return nil, err
	}
	h, err := startOrInstall(ctx, client, hc.Alias, key, id, b)
	if err != nil {
		client.Close()
		return nil, err
	}
	h.monitor()
	return h, nil
}

// errStale means the agent at the install path is missing or not this build.
var errStale = errors.New("agent missing or outdated")

func startOrInstall(ctx context.Context, client *gossh.Client, alias, key, id string, b *Bundle) (*Host, error) {
	fs, err := sftp.NewClient(client)
	if err != nil {
		return nil, fmt.Errorf("%s: opening the SFTP subsystem to install the agent: %v; enable \"Subsystem sftp\" in the server's sshd_config", alias, err)
	}
	defer fs.Close()
	home, err := fs.Getwd()
	if err != nil {
		return nil, fmt.Errorf("%s: finding the remote home directory: %w", alias, err)
	}
	t, err := locate(client, home, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", alias, err)
	}
	h, err := start(ctx, client, key, t)
	if err == nil {
		return h, nil
	}
	if !errors.Is(err, errStale) {
		return nil, fmt.Errorf("%s: %w", alias, err)
	}
	if err := install(ctx, client, fs, alias, t, b); err != nil {
		return nil, err
	}
	h, err = start(ctx, client, key, t)
	if err != nil {
		return nil, fmt.Errorf("%s: the freshly installed agent did not start: %w", alias, err)
	}
	return h, nil
}

// start runs the agent at t and checks its hello.
func start(ctx context.Context, client *gossh.Client, key string, t target) (*Host, error) {
	sess, err := client.NewSession()
	if err != nil {
		return nil, fmt.Errorf("opening a session: %w", err)
	}
	stdin, err1 := sess.StdinPipe()
	stdout, err2 := sess.StdoutPipe()
	stderr := &tail{max: 4096}
	sess.Stderr = stderr
	if err := errors.Join(err1, err2); err != nil {
		sess.Close()
		return nil, err
	}
	args := []string{"agent"}
	// Benchmarks on one machine ask agents for profiles; "%p" becomes the agent's pid.
	if prof := os.Getenv("FERRY_AGENT_CPUPROFILE"); prof != "" {
		args = append(args, "--cpuprofile", prof)
	}
	if prof := os.Getenv("FERRY_AGENT_MEMPROFILE"); prof != "" {
		args = append(args, "--memprofile", prof)
	}
	if err := sess.Start(t.command(args...)); err != nil {
		sess.Close()
		return nil, fmt.Errorf("starting the agent: %w", err)
	}
	type hello struct {
		version uint64
		build   string
		err     error
	}
	got := make(chan hello, 1)
	go func() {
		v, b, err := agentwire.ReadHello(stdout)
		got <- hello{v, b, err}
	}()
	timer := time.NewTimer(helloTimeout)
	defer timer.Stop()
	var hl hello
	select {
	case hl = <-got:
	case <-ctx.Done():
		sess.Close()
		return nil, ctx.Err()
	case <-timer.C:
		sess.Close()
		return nil, fmt.Errorf("the agent did not answer within %s", helloTimeout)
	}
	if hl.err != nil || hl.version != agentwire.Version || hl.build != protocol.Version {
		sess.Close()
		if hl.err == nil {
			hl.err = fmt.Errorf("version %d/%s, want %d/%s", hl.version, hl.build, agentwire.Version, protocol.Version)
		} else if msg := stderr.String(); msg != "" {
			hl.err = fmt.Errorf("%v: %s", hl.err, msg)
		}
		return nil, fmt.Errorf("%w: %v", errStale, hl.err)
	}
	mux, err := yamux.Client(&pipe{Reader: stdout, w: stdin}, agentwire.YamuxConfig())
	if err != nil {
		sess.Close()
		return nil, err
	}
	rtt, err := mux.Ping()
	return &Host{Key: key, client: client, agent: sess, mux: mux, stderr: stderr, dead: make(chan struct{}),
		compress: decideCompression(rtt, err == nil)}, nil
}

// install probes the host's platform (unless locate did) and uploads the matching
// agent build.
func install(ctx context.Context, client *gossh.Client, fs *sftp.Client, alias string, t target, b *Bundle) error {
	goos, goarch := t.goos, t.goarch
	if goos == "" {
		out, err := run(client, "uname -s -m")
		if err != nil {
			return fmt.Errorf("%s: probing the remote system with uname: %w", alias, err)
		}
		if goos, goarch, err = platform(out); err != nil {
			return fmt.Errorf("%s: %w", alias, err)
		}
	}
	local, err := b.Path(goos, goarch)
	if err != nil {
		return fmt.Errorf("%s: %w", alias, err)
	}
	if err := upload(ctx, fs, local, t.path); err != nil {
		return fmt.Errorf("%s: installing the agent at %s: %w", alias, t.path, err)
	}
	return nil
}

// upload copies local to remote through a temporary name, so a failure leaves nothing
// half-written at remote.
func upload(ctx context.Context, fs *sftp.Client, local, remote string) error {
	dir := path.Dir(remote)
	if err := fs.MkdirAll(dir); err != nil {
		return err
	}
	fs.Chmod(path.Dir(path.Dir(path.Dir(remote))), 0o700) // ~/.ferry
	in, err := os.Open(local)
	if err != nil {
		return err
	}
	defer in.Close()
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := path.Join(dir, ".ferry-agent.tmp-"+hex.EncodeToString(rnd[:]))
	out, err := fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, ctxReader{ctx, in})
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fs.Chmod(tmp, 0o755)
	}
	if err == nil {
		if err = fs.PosixRename(tmp, remote); err != nil {
			fs.Remove(remote)
			err = fs.Rename(tmp, remote)
		}
	}
	if err != nil {
		fs.Remove(tmp)
		if strings.Contains(strings.ToLower(err.Error()), "no space") || strings.Contains(err.Error(), "SSH_FX_FAILURE") {
			err = fmt.Errorf("%w (is the remote disk full? the agent needs about 10 MB in ~/.ferry)", err)
		}
		return err
	}
	return nil
}

// run runs a command and returns its output.
func run(client *gossh.Client, cmd string) (string, error) {
	sess, err := client.NewSession()
	if err != nil {
		return "", err
	}
	defer sess.Close()
	var stderr tail
	stderr.max = 1024
	sess.Stderr = &stderr
	out, err := sess.Output(cmd)
	if err != nil {
		if msg := stderr.String(); msg != "" {
			return "", fmt.Errorf("%v: %s", err, msg)
		}
		return "", err
	}
	return string(out), nil
}

// shellQuote quotes s for any POSIX-like or csh-like shell: single quotes, with a
// single quote written as '\” (the paths quoted here never contain one, but be safe).
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// pipe joins the agent's stdout and stdin into a connection for yamux. Writes and
// Close are serialized: x/crypto/ssh's channel races a concurrent Write and
// CloseWrite, and yamux closes from its receive goroutine while sending on another.
type pipe struct {
	io.Reader
	mu sync.Mutex
	w  io.WriteCloser
	c  agentwire.Coalescer
}

func (p *pipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c.W == nil {
		p.c.W = p.w
	}
	return p.c.Write(b)
}

func (p *pipe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w.Close()
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
