package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ferrysync/ferry/protocol"
)

// Ferry is one ferry daemon that the harness runs in the foreground (`ferry daemon
// run`) with its own data directory, and the CLI pointed at it. With profiling on,
// the daemon writes CPU and heap profiles when it stops (FERRY_CPUPROFILE,
// FERRY_MEMPROFILE) and has its agents write a CPU profile (FERRY_AGENT_CPUPROFILE).
type Ferry struct {
	env    *Env
	Data   string // FERRY_DATA_DIR
	Tag    string // names its log and profiles
	cmd    *exec.Cmd
	exited chan struct{}
	log    *os.File

	stopOnce sync.Once
	stopErr  error
}

// daemonStartLimit is how long a starting daemon may take to answer the CLI.
const daemonStartLimit = 2 * time.Minute

// StartFerry starts a daemon on a new data directory; tag names its profiles.
func (e *Env) StartFerry(tag string) (*Ferry, error) {
	e.mu.Lock()
	e.ferrySeq++
	data := filepath.Join(e.Work, fmt.Sprintf("ferry%02d-%s", e.ferrySeq, tag))
	e.mu.Unlock()
	return e.StartFerryOn(data, tag)
}

// StartFerryOn starts a daemon on data, which may hold an earlier daemon's sessions:
// they resume.
func (e *Env) StartFerryOn(data, tag string) (*Ferry, error) {
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	f := &Ferry{env: e, Data: data, Tag: tag, exited: make(chan struct{})}
	log, err := os.OpenFile(filepath.Join(data, "daemon-"+tag+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	f.log = log
	f.cmd = exec.Command(e.ferry, "daemon", "run")
	f.cmd.Env = f.environ(f.profileEnv()...)
	f.cmd.Stdout, f.cmd.Stderr = log, log
	if err := f.cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("starting ferry daemon run: %w", err)
	}
	go func() {
		f.cmd.Wait()
		close(f.exited)
	}()
	e.TB.Cleanup(func() { f.Stop() }) // a workload that gives up midway leaves none running
	// A daemon answers once it has loaded its sessions: seconds for a million entries.
	deadline := time.Now().Add(daemonStartLimit)
	for {
		out, _ := f.CLI("version")
		if strings.Contains(out, "daemon: ") && !strings.Contains(out, "not running") {
			return f, nil
		}
		select {
		case <-f.exited:
			log.Close()
			return nil, fmt.Errorf("ferry daemon run exited: %s", lastLines(readString(log.Name()), 5))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			f.Stop()
			return nil, fmt.Errorf("ferry daemon did not answer within %s: %s", daemonStartLimit, lastLines(readString(log.Name()), 5))
		}
	}
}

// environ is the environment of the daemon and the CLI: the harness's client home and
// ssh config, this daemon's data directory, no ssh-agent, no autostart.
func (f *Ferry) environ(extra ...string) []string {
	env := append(os.Environ(), f.env.SSHD.Env()...)
	env = append(env, "FERRY_DATA_DIR="+f.Data, "SSH_AUTH_SOCK=", "FERRY_NO_AUTOSTART=1")
	return append(env, extra...)
}

// profilePaths are where this daemon's profiles go, or nil when not profiling.
func (f *Ferry) profilePaths() (daemonCPU, daemonHeap, agentCPU string) {
	if f.env.ProfileDir == "" {
		return "", "", ""
	}
	base := filepath.Join(f.env.ProfileDir, f.Tag)
	return base + "-daemon.cpu.pprof", base + "-daemon.heap.pprof", base + "-agent.cpu.pprof"
}

func (f *Ferry) profileEnv() []string {
	cpu, heap, agent := f.profilePaths()
	if cpu == "" {
		return nil
	}
	return []string{"FERRY_CPUPROFILE=" + cpu, "FERRY_MEMPROFILE=" + heap, "FERRY_AGENT_CPUPROFILE=" + agent}
}

// Profiles lists the profiles this daemon and its agents wrote (after Stop).
func (f *Ferry) Profiles() []string {
	cpu, heap, agent := f.profilePaths()
	var out []string
	for _, p := range []string{cpu, heap, agent} {
		if info, err := os.Stat(p); p != "" && err == nil && info.Size() > 0 {
			out = append(out, p)
		}
	}
	return out
}

// LogPath is the daemon's log: its standard output and error.
func (f *Ferry) LogPath() string { return filepath.Join(f.Data, "daemon-"+f.Tag+".log") }

// cycleLines are the phase timings of the cycles a daemon log reports, oldest first:
// what follows "cycle: " on each line that logs a cycle's changes ("1 changes to
// alpha, 0 to beta, 0 conflicts, 0 problems (scan 2ms, reconcile 0s, ...)").
func cycleLines(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if _, after, ok := strings.Cut(l, ": cycle: "); ok {
			out = append(out, after)
		}
	}
	return out
}

// Pid is the daemon's process id.
func (f *Ferry) Pid() int { return f.cmd.Process.Pid }

// Stop ends the daemon with SIGTERM (it finishes its profiles) and waits for its
// agents to exit, so their profiles are complete too. Sessions stay in Data. Only the
// first call does anything.
func (f *Ferry) Stop() error {
	f.stopOnce.Do(func() { f.stopErr = f.stop() })
	return f.stopErr
}

func (f *Ferry) stop() error {
	defer f.log.Close()
	f.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-f.exited:
	case <-time.After(time.Minute):
		f.cmd.Process.Kill()
		<-f.exited
		return fmt.Errorf("ferry daemon (%s) ignored SIGTERM for a minute and was killed", f.Tag)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(f.env.agentPids()) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// CLI runs bin/ferry with args against this daemon and returns its standard output.
func (f *Ferry) CLI(args ...string) (string, error) {
	return f.CLIContext(context.Background(), args...)
}

// CLIContext is CLI, ended when ctx is.
func (f *Ferry) CLIContext(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, f.env.ferry, args...)
	cmd.Env = f.environ()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("ferry %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// RemoteURL is the ferry URL of the remote folder path (under RemoteHome) on host.
func (f *Ferry) RemoteURL(host, path string) string {
	rel, err := filepath.Rel(f.env.SSHD.RemoteHome(), path)
	if err != nil || strings.HasPrefix(rel, "..") {
		panic("bench: remote path outside RemoteHome: " + path)
	}
	return host + ":~/" + filepath.ToSlash(rel)
}

// Sync creates a session from local to remote (a path under RemoteHome) on host and
// flushes it: what W1 times.
func (f *Ferry) Sync(ctx context.Context, name, local, host, remote string) error {
	if _, err := f.CLIContext(ctx, "sync", "create", "--name", name, local, f.RemoteURL(host, remote)); err != nil {
		return err
	}
	_, err := f.CLIContext(ctx, "sync", "flush", name)
	return err
}

// Session returns the named session's state.
func (f *Ferry) Session(name string) (protocol.SyncSession, error) {
	out, err := f.CLI("sync", "list", "--json", name)
	if err != nil {
		return protocol.SyncSession{}, err
	}
	var ss []protocol.SyncSession
	if err := json.Unmarshal([]byte(out), &ss); err != nil || len(ss) != 1 {
		return protocol.SyncSession{}, fmt.Errorf("sync list %s: %d sessions, %v", name, len(ss), err)
	}
	return ss[0], nil
}

// Healthy says why the session is not watching cleanly, or returns nil.
func (f *Ferry) Healthy(name string) error {
	s, err := f.Session(name)
	if err != nil {
		return err
	}
	switch {
	case s.ConflictCount > 0:
		return fmt.Errorf("session %s has %d conflicts (first: %s)", name, s.ConflictCount, s.Conflicts[0].Path)
	case s.Alpha.ProblemCount+s.Beta.ProblemCount > 0:
		return fmt.Errorf("session %s has problems: %v %v", name, s.Alpha.Problems, s.Beta.Problems)
	case s.LastError != "":
		return fmt.Errorf("session %s: %s", name, s.LastError)
	}
	return nil
}

// WaitStatus waits until the session's status is want.
func (f *Ferry) WaitStatus(name, want string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		s, err := f.Session(name)
		if err == nil && s.Status == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("session %s is %q, not %q, after %v (%v)", name, s.Status, want, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Terminate ends a session; its files stay.
func (f *Ferry) Terminate(name string) error {
	_, err := f.CLI("sync", "terminate", name)
	return err
}

// Warm creates a small session to host and flushes it, so the agent is installed and
// the daemon's connection to host is open before anything is timed. The session stays,
// keeping the connection open.
func (f *Ferry) Warm(ctx context.Context, host string) error {
	local := filepath.Join(f.env.Work, "warm-"+f.Tag)
	if err := os.MkdirAll(local, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(local, "hello.txt"), []byte("warm\n"), 0o644); err != nil {
		return err
	}
	return f.Sync(ctx, "warm", local, host, f.env.RemotePath("warm-"+f.Tag))
}
