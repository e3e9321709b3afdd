package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hashicorp/yamux"

	"github.com/ferrysync/ferry/protocol"
	"github.com/ferrysync/ferry/protocol/agentwire"
)

// A link is what the Pool needs from a way of reaching a host: run short commands
// there, install the agent, and start it with its stdio as a stream, over which the
// agent protocol and yamux run whatever carries them. SSH (link_ssh.go) and the
// container engines' CLIs (link_container.go) implement it.
//
// A link is used by one connect at a time, then by its Host; its methods are not
// called concurrently, except wait and close.
type link interface {
	// name names the host in messages: the SSH alias, or "docker container web".
	name() string
	// locate finds where the agent of build id lives on the host, and the host's
	// platform when finding the place told it.
	locate(ctx context.Context, id string) (target, error)
	// run runs a short command (a probe) through the host's shell and returns its
	// standard output; a failure carries what the command wrote on stderr.
	run(ctx context.Context, cmd string) (string, error)
	// install copies the local agent build to t.path through a temporary name, so a
	// failure leaves no partial agent at t.path.
	install(ctx context.Context, local string, t target) error
	// setupDone releases what locate and install needed (SSH's SFTP session).
	setupDone()
	// start starts the agent at t with args. The process outlives ctx.
	start(ctx context.Context, t target, args []string) (*process, error)
	// identity names the machine the agent runs on when a name can stand for
	// another one (a container's id, which changes when it is recreated under the
	// same name); "" when the address is the identity.
	identity() string
	// wait blocks until the link fails or is closed and says why: the SSH connection
	// closing, or the container engine's exec command ending.
	wait() error
	// close ends the link, and with it any agent it started.
	close() error
}

// process is a running agent: its stdio, and close, which ends it.
type process struct {
	stdin  io.WriteCloser
	stdout io.Reader
	stderr *tail
	close  func() error
}

// connect starts (installing if needed) the agent of b, whose build is id, on l and
// opens the yamux session; it closes l on failure.
func connect(ctx context.Context, l link, key, id string, b *Bundle) (*Host, error) {
	h, err := startOrInstall(ctx, l, key, id, b)
	if err != nil {
		l.close()
		return nil, err
	}
	h.monitor()
	return h, nil
}

// errStale means the agent at the install path is missing or not this build.
var errStale = errors.New("agent missing or outdated")

func startOrInstall(ctx context.Context, l link, key, id string, b *Bundle) (*Host, error) {
	defer l.setupDone()
	t, err := l.locate(ctx, id)
	if err != nil {
		return nil, err
	}
	h, err := start(ctx, l, key, t)
	if err == nil {
		return h, nil
	}
	if !errors.Is(err, errStale) {
		return nil, fmt.Errorf("%s: %w", l.name(), err)
	}
	if err := install(ctx, l, t, b); err != nil {
		return nil, err
	}
	h, err = start(ctx, l, key, t)
	if err != nil {
		return nil, fmt.Errorf("%s: the freshly installed agent did not start: %w", l.name(), err)
	}
	return h, nil
}

// start runs the agent at t and checks its hello.
func start(ctx context.Context, l link, key string, t target) (*Host, error) {
	args := []string{"agent"}
	// Benchmarks on one machine ask agents for profiles; "%p" becomes the agent's pid.
	if prof := os.Getenv("FERRY_AGENT_CPUPROFILE"); prof != "" {
		args = append(args, "--cpuprofile", prof)
	}
	if prof := os.Getenv("FERRY_AGENT_MEMPROFILE"); prof != "" {
		args = append(args, "--memprofile", prof)
	}
	p, err := l.start(ctx, t, args)
	if err != nil {
		return nil, err
	}
	type hello struct {
		version uint64
		build   string
		err     error
	}
	got := make(chan hello, 1)
	go func() {
		v, b, err := agentwire.ReadHello(p.stdout)
		got <- hello{v, b, err}
	}()
	timer := time.NewTimer(helloTimeout)
	defer timer.Stop()
	var hl hello
	select {
	case hl = <-got:
	case <-ctx.Done():
		p.close()
		return nil, ctx.Err()
	case <-timer.C:
		p.close()
		return nil, fmt.Errorf("the agent did not answer within %s", helloTimeout)
	}
	if hl.err != nil || hl.version != agentwire.Version || hl.build != protocol.Version {
		p.close()
		if hl.err == nil {
			hl.err = fmt.Errorf("version %d/%s, want %d/%s", hl.version, hl.build, agentwire.Version, protocol.Version)
		} else if msg := p.stderr.String(); msg != "" {
			hl.err = fmt.Errorf("%v: %s", hl.err, msg)
		}
		return nil, fmt.Errorf("%w: %v", errStale, hl.err)
	}
	mux, err := yamux.Client(&pipe{Reader: p.stdout, w: p.stdin}, agentwire.YamuxConfig())
	if err != nil {
		p.close()
		return nil, err
	}
	rtt, err := mux.Ping()
	return &Host{Key: key, link: l, agent: p, mux: mux, stderr: p.stderr, dead: make(chan struct{}),
		compress: decideCompression(rtt, err == nil)}, nil
}

// install probes the host's platform (unless locate did) and installs the matching
// agent build.
func install(ctx context.Context, l link, t target, b *Bundle) error {
	goos, goarch := t.goos, t.goarch
	if goos == "" {
		out, err := l.run(ctx, "uname -s -m")
		if err != nil {
			return fmt.Errorf("%s: probing the remote system with uname: %w", l.name(), err)
		}
		if goos, goarch, err = platform(out); err != nil {
			return fmt.Errorf("%s: %w", l.name(), err)
		}
	}
	local, err := b.Path(goos, goarch)
	if err != nil {
		return fmt.Errorf("%s: %w", l.name(), err)
	}
	if err := l.install(ctx, local, t); err != nil {
		return fmt.Errorf("%s: installing the agent at %s: %w", l.name(), t.path, err)
	}
	return nil
}
