package main_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/protocol"
)

// Container endpoints are tested through engine/remote/testdata/fake-docker, a
// stand-in for the docker CLI (there is no container engine where the tests run): its
// "containers" are directories whose home the real agent runs in, and whose id file a
// test rewrites to recreate one.

// newContainerEnv is an isolated user whose daemon's docker is fake-docker, with one
// container, web, whose home it returns.
func newContainerEnv(t *testing.T) (e *env, root, home string) {
	fake, err := filepath.Abs("../../engine/remote/testdata/fake-docker")
	require.NoError(t, err)
	root = t.TempDir()
	home = filepath.Join(root, "web", "home")
	require.NoError(t, os.MkdirAll(home, 0o755))
	setContainerID(t, root, "web", "0123abcd")
	trackRemoteHome(home) // agents run from it

	e = newEnv(t)
	e.extra = []string{"FERRY_DOCKER=" + fake, "FAKE_DOCKER_ROOT=" + root}
	return e, root, home
}

func setContainerID(t *testing.T, root, name, id string) {
	require.NoError(t, os.WriteFile(filepath.Join(root, name, "id"), []byte(id+"\n"), 0o644))
}

func TestContainerSyncBothWaysAndRecreated(t *testing.T) {
	e, root, home := newContainerEnv(t)
	alpha := t.TempDir()
	writeFile(t, filepath.Join(alpha, "main.go"), "package main\n", 0o644)
	writeFile(t, filepath.Join(alpha, "tools/run.sh"), "#!/bin/sh\n", 0o755)
	e.ok("sync", "create", "--name", "ctr", alpha, "docker://web/~/app")
	e.ok("sync", "flush", "ctr")
	beta := filepath.Join(home, "app")
	requireSameTree(t, alpha, beta)
	// The flush's cycle may be followed by a short one for what it landed.
	s := e.waitState("ctr", "watching", func(s protocol.SyncSession) bool { return s.Status == protocol.StatusWatching })
	require.Equal(t, "docker://web/~/app", s.Beta.URL)
	require.True(t, s.Beta.Connected, "%+v", s)

	// Edits both ways.
	writeFile(t, filepath.Join(beta, "main.go"), "package main // edited in the container\n", 0o644)
	writeFile(t, filepath.Join(alpha, "new.txt"), "local\n", 0o644)
	e.ok("sync", "flush", "ctr")
	require.Equal(t, "package main // edited in the container\n", readFile(t, filepath.Join(alpha, "main.go")))
	require.Equal(t, "local\n", readFile(t, filepath.Join(beta, "new.txt")))
	requireSameTree(t, alpha, beta)

	// The container is recreated under its name: its processes end and it has a new
	// id, while its files (a volume) stay. The session halts and writes nothing.
	setContainerID(t, root, "web", "4567ef01")
	require.Positive(t, killAgents(t, home))
	writeFile(t, filepath.Join(alpha, "after.txt"), "local, after\n", 0o644)
	writeFile(t, filepath.Join(beta, "from-image.txt"), "new container\n", 0o644)
	e.waitState("ctr", "the replica-changed halt", func(s protocol.SyncSession) bool {
		return s.Status == protocol.StatusHaltedReplicaChanged
	})
	r := e.run("sync", "flush", "ctr")
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, "is not the replica this session synchronized with")
	require.NoFileExists(t, filepath.Join(beta, "after.txt"), "nothing propagated")
	require.NoFileExists(t, filepath.Join(alpha, "from-image.txt"), "nothing propagated")

	// A reset merges both sides afresh.
	e.ok("sync", "reset", "ctr")
	e.ok("sync", "flush", "ctr")
	require.Equal(t, "new container\n", readFile(t, filepath.Join(alpha, "from-image.txt")))
	require.Equal(t, "local, after\n", readFile(t, filepath.Join(beta, "after.txt")))
	// The agent, under a tracked home, must end with the daemon: TestMain's leftovers
	// check fails the package otherwise.
}

func TestContainerForward(t *testing.T) {
	e, _, _ := newContainerEnv(t)
	// fake-docker runs the agent on this machine, so the container's localhost is
	// this one's.
	target := httpServer(t, "hello from the container")
	local := freePort(t)
	e.ok("forward", "create", "--name", "web", fmt.Sprintf("tcp:127.0.0.1:%d", local), fmt.Sprintf("docker://web:tcp:127.0.0.1:%d", target))
	require.Equal(t, "hello from the container", get(t, local))
	f := e.forward("web")
	require.Equal(t, protocol.ForwardForwarding, f.Status)
	require.Equal(t, fmt.Sprintf("docker://web:tcp:127.0.0.1:%d", target), f.Destination)

	// Reverse: a listener in the container reaches a server here.
	echoLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	serve(t, echoLn, echo)
	inside := freePort(t)
	e.ok("forward", "create", "--name", "back", fmt.Sprintf("docker://web:tcp:127.0.0.1:%d", inside), "tcp:"+echoLn.Addr().String())
	got, err := roundTrip(fmt.Sprintf("127.0.0.1:%d", inside), []byte("ping"))
	require.NoError(t, err)
	require.Equal(t, "ping", string(got))

	// The container's listening ports, as the agent in it sees them: the reverse
	// forward's listener, opened by the agent.
	var ports []protocol.ListeningPort
	require.NoError(t, jsonUnmarshal(e.ok("remote", "ports", "--json", "docker://web"), &ports))
	found := false
	for _, p := range ports {
		found = found || p.Port == inside && strings.Contains(p.Process, "ferry-agent")
	}
	require.True(t, found, "port %d of the agent missing from %+v", inside, ports)
}

func TestContainerBadInput(t *testing.T) {
	e, _, _ := newContainerEnv(t)
	e.fails("no path in the container; write docker://web/~", "sync", "create", t.TempDir(), "docker://web")
	e.fails("No such container: db", "sync", "create", t.TempDir(), "docker://db/~/app")
	e.fails("is not a container", "forward", "create", "tcp:127.0.0.1:1", "docker://:tcp:127.0.0.1:2")
}
