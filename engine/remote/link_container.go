package remote

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/url"
)

// containerLink reaches a container through its engine's CLI (docker or podman, which
// take the same arguments for what ferry asks): probes run with "exec CTR sh -c", the
// agent is installed with "cp" and started with "exec -i", and "inspect" gives the
// container's id, which stands for the container in the replica check. The CLI talks
// to whichever engine its own configuration names (DOCKER_HOST, contexts, podman's
// connections), from the daemon's environment.
type containerLink struct {
	engine string // "docker" or "podman"
	cli    string // the CLI's path or name
	user   string // "-u" when set
	ctr    string // the container's name or id as written
	id     string // the container's id, from inspect

	mu    sync.Mutex
	agent *execState // the last agent started
}

// execState is how an exec command ended: err is set when exited closes.
type execState struct {
	exited chan struct{}
	err    error
}

// containerCLIEnv names, per engine, the variable that overrides the CLI's path.
var containerCLIEnv = map[string]string{"docker": "FERRY_DOCKER", "podman": "FERRY_PODMAN"}

// containerGrace is how long an agent whose stdin was closed may take to end before
// its exec command is killed.
const containerGrace = 5 * time.Second

// dialContainer finds the container u names and its id.
func dialContainer(ctx context.Context, u url.URL) (*containerLink, error) {
	l := &containerLink{engine: u.Engine, cli: u.Engine, user: u.User, ctr: u.Host}
	if v := os.Getenv(containerCLIEnv[u.Engine]); v != "" {
		l.cli = v
	}
	out, err := l.command(ctx, nil, "inspect", "--type", "container", "--format", "{{.Id}}", l.ctr)
	if err != nil {
		return nil, fmt.Errorf("%s: finding the container: %w", l.name(), err)
	}
	l.id = strings.TrimSpace(out)
	if l.id == "" || strings.ContainsAny(l.id, " \n") {
		return nil, fmt.Errorf("%s: %s inspect gave no container id (it answered %q)", l.name(), l.engine, out)
	}
	return l, nil
}

func (l *containerLink) name() string { return l.engine + " container " + l.ctr }

func (l *containerLink) identity() string { return l.engine + " container " + l.id }

// command runs the CLI with args and returns its standard output.
func (l *containerLink) command(ctx context.Context, stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, l.cli, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	stderr := &tail{max: 1024}
	cmd.Stderr = stderr
	out, err := cmd.Output()
	switch {
	case notFound(err):
		return "", l.missing()
	case err != nil && stderr.String() != "":
		return "", fmt.Errorf("%s %s: %v: %s", l.engine, args[0], err, stderr.String())
	case err != nil:
		return "", fmt.Errorf("%s %s: %v", l.engine, args[0], err)
	}
	return string(out), nil
}

// notFound reports whether err says the CLI could not be run because it is not there.
func notFound(err error) bool {
	var exit *exec.ExitError
	return !errors.As(err, &exit) && (errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist))
}

// missing is the error for a CLI that is not there.
func (l *containerLink) missing() error {
	return fmt.Errorf("%s is not installed or not on the daemon's PATH; install it, or set %s to its path", l.cli, containerCLIEnv[l.engine])
}

// execArgs are the CLI's arguments that run argv in the container.
func (l *containerLink) execArgs(interactive bool, argv ...string) []string {
	args := []string{"exec"}
	if interactive {
		args = append(args, "-i")
	}
	if l.user != "" {
		args = append(args, "-u", l.user)
	}
	return append(append(args, l.ctr), argv...)
}

func (l *containerLink) run(ctx context.Context, cmd string) (string, error) {
	return l.command(ctx, nil, l.execArgs(false, "sh", "-c", cmd)...)
}

// locate asks the container for its user's home and its platform in one exec: the
// agent lives in ~/.ferry/agents/ID as on an SSH host. Only Linux containers (and
// any other POSIX system the agent is built for) are reached.
func (l *containerLink) locate(ctx context.Context, id string) (target, error) {
	out, err := l.run(ctx, `printf '%s\n' "$HOME"; uname -s -m`)
	if err != nil {
		return target{}, fmt.Errorf("%s: probing the container (it needs sh and uname): %w", l.name(), err)
	}
	home, uname, _ := strings.Cut(out, "\n")
	if !strings.HasPrefix(home, "/") {
		return target{}, fmt.Errorf("%s: the container's user has no home directory (HOME is %q); give a user that has one (%s://USER@%s/...)", l.name(), home, l.engine, l.ctr)
	}
	goos, goarch, err := platform(uname)
	if err != nil {
		return target{}, fmt.Errorf("%s: %w", l.name(), err)
	}
	return target{goos: goos, goarch: goarch, shell: shellPOSIX,
		path: path.Join(path.Clean(home), ".ferry", "agents", id, "ferry-agent")}, nil
}

func (l *containerLink) setupDone() {}

// install copies the agent into the container under a temporary name next to
// t.path and renames it into place; a failed copy is removed. "cp" keeps the build's
// mode (executable); the file belongs to the container's root, which any user may
// run.
func (l *containerLink) install(ctx context.Context, local string, t target) error {
	dir := path.Dir(t.path)
	if _, err := l.run(ctx, "mkdir -p "+shellQuote(dir)+" && chmod 700 "+shellQuote(path.Dir(path.Dir(dir)))); err != nil {
		return err
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := path.Join(dir, ".ferry-agent.tmp-"+hex.EncodeToString(rnd[:]))
	_, err := l.command(ctx, nil, "cp", local, l.ctr+":"+tmp)
	if err == nil {
		_, err = l.run(ctx, "mv -f "+shellQuote(tmp)+" "+shellQuote(t.path))
	}
	if err != nil {
		l.run(context.WithoutCancel(ctx), "rm -f "+shellQuote(tmp))
		if strings.Contains(strings.ToLower(err.Error()), "no space") {
			err = fmt.Errorf("%w (is the container's disk full? the agent needs about 10 MB in ~/.ferry)", err)
		}
		return err
	}
	return nil
}

// start runs the agent with "exec -i", without a shell: the path and arguments reach
// it as they are.
func (l *containerLink) start(ctx context.Context, t target, args []string) (*process, error) {
	cmd := exec.Command(l.cli, l.execArgs(true, append([]string{t.path}, args...)...)...)
	stdin, err1 := cmd.StdinPipe()
	stdout, err2 := cmd.StdoutPipe()
	stderr := &tail{max: 4096}
	cmd.Stderr = stderr
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		if notFound(err) {
			return nil, l.missing()
		}
		return nil, fmt.Errorf("starting the agent: %w", err)
	}
	st := &execState{exited: make(chan struct{})}
	exited := st.exited
	l.mu.Lock()
	l.agent = st
	l.mu.Unlock()
	go func() {
		err := cmd.Wait()
		if err == nil {
			st.err = fmt.Errorf("the agent's %s exec ended", l.engine)
		} else {
			st.err = fmt.Errorf("the agent's %s exec ended: %w", l.engine, err)
		}
		close(exited)
	}()
	// Closing stdin ends the agent; one that does not end in time is killed.
	var once sync.Once
	stop := func() error {
		once.Do(func() {
			stdin.Close()
			go func() {
				select {
				case <-exited:
				case <-time.After(containerGrace):
					cmd.Process.Kill()
				}
			}()
		})
		return nil
	}
	return &process{stdin: stdin, stdout: stdout, stderr: stderr, close: stop}, nil
}

// wait returns when the agent's exec command (the last one started) ends.
func (l *containerLink) wait() error {
	l.mu.Lock()
	st := l.agent
	l.mu.Unlock()
	if st == nil {
		return errors.New("no agent was started")
	}
	<-st.exited
	return st.err
}

func (l *containerLink) close() error { return nil }
