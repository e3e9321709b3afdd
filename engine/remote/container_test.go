package remote_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/remote"
	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/protocol"
)

// The container tests run the real agent through testdata/fake-docker, which stands
// in for the docker and podman CLIs: a "container" is a directory whose home the
// commands run in, with an id file that a test rewrites to recreate it.

// containers is a fake-docker root.
type containers struct {
	t    *testing.T
	root string
}

// newContainers points FERRY_DOCKER and FERRY_PODMAN at fake-docker with its own root.
func newContainers(t *testing.T) *containers {
	fake, err := filepath.Abs("testdata/fake-docker")
	require.NoError(t, err)
	root := t.TempDir()
	t.Setenv("FERRY_DOCKER", fake)
	t.Setenv("FERRY_PODMAN", fake)
	t.Setenv("FAKE_DOCKER_ROOT", root)
	return &containers{t: t, root: root}
}

// create makes a container with an id and a home for its default user and for users.
func (c *containers) create(name, id string, users ...string) {
	for _, h := range append([]string{"home"}, prefixed("home-", users)...) {
		require.NoError(c.t, os.MkdirAll(filepath.Join(c.root, name, h), 0o755))
	}
	c.setID(name, id)
}

func (c *containers) setID(name, id string) {
	require.NoError(c.t, os.WriteFile(filepath.Join(c.root, name, "id"), []byte(id+"\n"), 0o644))
}

func (c *containers) home(name string) string { return filepath.Join(c.root, name, "home") }

func (c *containers) calls() string {
	b, _ := os.ReadFile(filepath.Join(c.root, "calls.log"))
	return string(b)
}

func prefixed(p string, s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = p + v
	}
	return out
}

// agentsIn lists the pids of the agents running with HOME=home (fake-docker's exec
// gives them an environment of HOME and PATH only).
func agentsIn(t *testing.T, home string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if bytes.Contains(cmdline, []byte("ferry-agent")) && bytes.HasPrefix(environ, []byte("HOME="+home+"\x00")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func newContainerManager(t *testing.T) *session.Manager {
	pool := remote.NewPool(remote.NewBundle(agentDir))
	t.Cleanup(pool.Close)
	m, err := session.NewManager(t.TempDir(), session.Transports{Local: session.OpenLocal, Remote: pool.Opener()}, nil)
	require.NoError(t, err)
	t.Cleanup(m.Close)
	return m
}

func flushSession(t *testing.T, m *session.Manager, name string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return m.Flush(ctx, registry.Selection{Specs: []string{name}}, session.FlushOptions{})
}

func TestContainerSync(t *testing.T) {
	c := newContainers(t)
	c.create("web", "id-1")
	m := newContainerManager(t)
	alpha := t.TempDir()
	write(t, filepath.Join(alpha, "a.txt"), "hello")
	write(t, filepath.Join(alpha, "d/b.txt"), "world")
	_, err := m.Create(context.Background(), session.CreateRequest{Name: "c", Alpha: alpha, Beta: "docker://web/~/app"})
	require.NoError(t, err)
	require.NoError(t, flushSession(t, m, "c"))
	beta := filepath.Join(c.home("web"), "app")
	require.Equal(t, "hello", read(t, filepath.Join(beta, "a.txt")))
	require.Equal(t, "world", read(t, filepath.Join(beta, "d/b.txt")))

	write(t, filepath.Join(beta, "d/b.txt"), "edited in the container")
	require.NoError(t, flushSession(t, m, "c"))
	require.Equal(t, "edited in the container", read(t, filepath.Join(alpha, "d/b.txt")))

	// The agent was copied in once, under its build's directory, and renamed into
	// place: no temporary file is left.
	agents, err := filepath.Glob(filepath.Join(c.home("web"), ".ferry/agents/*/*"))
	require.NoError(t, err)
	require.Len(t, agents, 1)
	require.Equal(t, "ferry-agent", filepath.Base(agents[0]))
	calls := c.calls()
	require.Equal(t, 1, strings.Count(calls, "\ncp "), calls)
	require.Contains(t, calls, "inspect --type container --format {{.Id}} web\n")
	require.Contains(t, calls, "exec -i web "+agents[0]+" agent\n")
}

// One agent serves every session to the same engine, user and container; another
// user, or the other engine, gets its own.
func TestContainerPoolKeys(t *testing.T) {
	c := newContainers(t)
	c.create("web", "id-1", "alice")
	m := newContainerManager(t)
	for i, beta := range []string{"docker://web/~/one", "docker://web/~/two", "docker://alice@web/~/three", "podman://web/~/four"} {
		_, err := m.Create(context.Background(), session.CreateRequest{Name: "s" + strconv.Itoa(i), Alpha: t.TempDir(), Beta: beta})
		require.NoError(t, err, beta)
	}
	require.Len(t, agentsIn(t, c.home("web")), 2, "one docker agent and one podman agent as the default user")
	require.Len(t, agentsIn(t, filepath.Join(c.root, "web", "home-alice")), 1, "one agent as alice")
	require.DirExists(t, filepath.Join(c.root, "web", "home-alice", "three"))
	require.Contains(t, c.calls(), "exec -u alice web sh -c")
}

func TestContainerErrors(t *testing.T) {
	c := newContainers(t)
	c.create("web", "id-1")
	m := newContainerManager(t)
	for _, tc := range []struct{ name, beta, env, want string }{
		{"no such container", "docker://db/~/x", "", "docker container db: finding the container: docker inspect: exit status 1: Error response from daemon: No such container: db"},
		{"no such user", "docker://bob@web/~/x", "", "unable to find user bob"},
		{"no CLI", "docker://web/~/x", "/nonexistent/docker", "/nonexistent/docker is not installed or not on the daemon's PATH; install it, or set FERRY_DOCKER to its path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("FERRY_DOCKER", tc.env)
			}
			_, err := m.Create(context.Background(), session.CreateRequest{Name: "e", Alpha: t.TempDir(), Beta: tc.beta})
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// A copy that fails half-way (a full disk) leaves no agent, partial or temporary.
func TestContainerFailedInstallLeavesNoPartialAgent(t *testing.T) {
	c := newContainers(t)
	c.create("web", "id-1")
	write(t, filepath.Join(c.root, "web", "cp-fails"), "")
	m := newContainerManager(t)
	_, err := m.Create(context.Background(), session.CreateRequest{Name: "c", Alpha: t.TempDir(), Beta: "docker://web/~/app"})
	require.ErrorContains(t, err, "no space left on device")
	require.ErrorContains(t, err, "is the container's disk full?")
	left, err := filepath.Glob(filepath.Join(c.home("web"), ".ferry/agents/*/*"))
	require.NoError(t, err)
	require.Empty(t, left)
	require.Contains(t, c.calls(), "\ncp ", "the copy was tried")
}

// A container recreated under its name (a new id) halts the session even when its
// files and ferry state survived, as they do on volumes; the same container coming
// back after its agent died reconnects and syncs.
func TestContainerRecreatedHalts(t *testing.T) {
	c := newContainers(t)
	c.create("web", "id-1")
	m := newContainerManager(t)
	alpha := t.TempDir()
	write(t, filepath.Join(alpha, "a.txt"), "a")
	_, err := m.Create(context.Background(), session.CreateRequest{Name: "c", Alpha: alpha, Beta: "docker://web/~/app"})
	require.NoError(t, err)
	require.NoError(t, flushSession(t, m, "c"))
	beta := filepath.Join(c.home("web"), "app")

	// The container restarts: its processes end, its id stays.
	kill(t, agentsIn(t, c.home("web")))
	waitFor(t, m, "c", "the session to notice", func(s session.State) bool { return s.Beta.Link != session.LinkConnected })
	waitFor(t, m, "c", "the session to reconnect", func(s session.State) bool {
		return s.Status == session.StatusWatching && s.Beta.Link == session.LinkConnected
	})
	write(t, filepath.Join(alpha, "b.txt"), "b")
	require.NoError(t, flushSession(t, m, "c"))
	require.Equal(t, "b", read(t, filepath.Join(beta, "b.txt")))

	// The container is recreated: its processes end and it has a new id.
	c.setID("web", "id-2")
	kill(t, agentsIn(t, c.home("web")))
	write(t, filepath.Join(alpha, "c.txt"), "c")
	write(t, filepath.Join(beta, "from-image.txt"), "new")
	waitFor(t, m, "c", "the session to halt", func(s session.State) bool { return s.Status == session.StatusHaltedReplicaChanged })
	err = flushSession(t, m, "c")
	require.ErrorContains(t, err, "is not the replica this session synchronized with")
	states, err := m.List(registry.Selection{Specs: []string{"c"}})
	require.NoError(t, err)
	require.Len(t, states, 1)
	require.Equal(t, protocol.StatusHaltedReplicaChanged, string(states[0].Status))
	require.NoFileExists(t, filepath.Join(beta, "c.txt"), "nothing propagated")
	require.NoFileExists(t, filepath.Join(alpha, "from-image.txt"), "nothing propagated")
}

// waitFor waits until the named session's state satisfies ok.
func waitFor(t *testing.T, m *session.Manager, name, what string, ok func(session.State) bool) session.State {
	t.Helper()
	ch := make(chan session.State, 1000)
	cancel := m.Subscribe(func(s session.State) {
		if s.Spec.Name == name {
			select {
			case ch <- s:
			default:
			}
		}
	})
	defer cancel()
	states, err := m.List(registry.Selection{Specs: []string{name}})
	require.NoError(t, err)
	if len(states) == 1 && ok(states[0]) {
		return states[0]
	}
	timeout := time.After(time.Minute)
	for {
		select {
		case s := <-ch:
			if ok(s) {
				return s
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func kill(t *testing.T, pids []int) {
	t.Helper()
	require.NotEmpty(t, pids)
	for _, pid := range pids {
		require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	}
}

// An agent at the install path that is not this build (here one that says no hello)
// is replaced, through the same temporary name and rename.
func TestContainerReplacesStaleAgent(t *testing.T) {
	c := newContainers(t)
	c.create("web", "id-1")
	id, err := remote.NewBundle(agentDir).ID()
	require.NoError(t, err)
	stale := filepath.Join(c.home("web"), ".ferry/agents", id, "ferry-agent")
	require.NoError(t, os.MkdirAll(filepath.Dir(stale), 0o755))
	require.NoError(t, os.WriteFile(stale, []byte("#!/bin/sh\necho an old agent\n"), 0o755))
	m := newContainerManager(t)
	alpha := t.TempDir()
	write(t, filepath.Join(alpha, "a.txt"), "a")
	_, err = m.Create(context.Background(), session.CreateRequest{Name: "c", Alpha: alpha, Beta: "docker://web/~/app"})
	require.NoError(t, err)
	require.NoError(t, flushSession(t, m, "c"))
	require.Equal(t, "a", read(t, filepath.Join(c.home("web"), "app", "a.txt")))
	installed, err := os.ReadFile(stale)
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join(agentDir, "ferry-agent-"+runtime.GOOS+"-"+runtime.GOARCH))
	require.NoError(t, err)
	require.True(t, bytes.Equal(want, installed), "the agent was replaced by this build")
	require.Equal(t, 2, strings.Count(c.calls(), "exec -i web "+stale+" agent\n"), "started, found stale, started again")
}
