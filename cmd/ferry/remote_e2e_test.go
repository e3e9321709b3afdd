package main_test

import (
	"bytes"
	"crypto"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/require"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
	"github.com/ferrysync/ferry/protocol"
)

// newRemoteEnv starts a real sshd and an isolated user whose ~/.ssh/config names it.
func newRemoteEnv(t *testing.T, opts sshdtest.Options) (*env, *sshdtest.Server) {
	sshd := sshdtest.Start(t, opts)
	trackRemoteHome(sshd.RemoteHome())
	e := newEnv(t)
	e.home = sshd.HomeDir()
	e.extra = []string{"FERRY_SSH_CONFIG=" + sshd.ConfigPath(), "SSH_AUTH_SOCK="}
	return e, sshd
}

func TestRemoteSyncOverAlias(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	alpha := t.TempDir()
	writeFile(t, filepath.Join(alpha, "main.go"), "package main\n", 0o644)
	writeFile(t, filepath.Join(alpha, "tools/run.sh"), "#!/bin/sh\n", 0o755)
	require.NoError(t, os.Symlink("main.go", filepath.Join(alpha, "link")))
	e.ok("sync", "create", "--name", "web", alpha, "devbox:~/web")
	e.ok("sync", "create", "--name", "api", t.TempDir(), fmt.Sprintf("%s@127.0.0.1:%d:%s", sshd.User(), sshd.Port(), filepath.Join(sshd.RemoteHome(), "api")))
	e.ok("sync", "flush", "--all")
	beta := filepath.Join(sshd.RemoteHome(), "web")
	requireSameTree(t, alpha, beta)

	for _, s := range e.sessions() {
		require.True(t, s.Alpha.Connected && s.Beta.Connected, "%s: %+v", s.Name, s)
		requireRunning(t, s)
	}
	// Both sessions, to the same user@host:port under two spellings, share one SSH
	// connection: sshd saw exactly one.
	require.Equal(t, 1, sshd.Connections(), "sshd log:\n%s", sshd.Logs())

	// Edits both ways, then a conflict.
	writeFile(t, filepath.Join(beta, "main.go"), "package main // remote edit\n", 0o644)
	writeFile(t, filepath.Join(alpha, "new.txt"), "local\n", 0o644)
	e.ok("sync", "flush", "web")
	require.Equal(t, "package main // remote edit\n", readFile(t, filepath.Join(alpha, "main.go")))
	require.Equal(t, "local\n", readFile(t, filepath.Join(beta, "new.txt")))
	writeFile(t, filepath.Join(alpha, "new.txt"), "alpha\n", 0o644)
	writeFile(t, filepath.Join(beta, "new.txt"), "beta!\n", 0o644)
	e.ok("sync", "flush", "web")
	s := e.session("web")
	require.Equal(t, 1, s.ConflictCount)
	require.Equal(t, "new.txt", s.Conflicts[0].Path)

	// The agent was installed once, in the remote home, and is reused after a daemon
	// restart (same file, not uploaded again).
	agents, err := filepath.Glob(filepath.Join(sshd.RemoteHome(), ".ferry/agents/*/ferry-agent"))
	require.NoError(t, err)
	require.Len(t, agents, 1)
	before, err := os.Stat(agents[0])
	require.NoError(t, err)
	e.ok("daemon", "stop")
	e.ok("sync", "flush", "web")
	after, err := os.Stat(agents[0])
	require.NoError(t, err)
	require.True(t, os.SameFile(before, after) && before.ModTime().Equal(after.ModTime()), "the agent was reinstalled")
	require.Equal(t, 2, sshd.Connections())
}

func TestRemoteAgentVersionMismatchReinstalls(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	e.ok("sync", "create", "--name", "m", t.TempDir(), "devbox:~/m")
	e.ok("sync", "flush", "m")
	agents, _ := filepath.Glob(filepath.Join(sshd.RemoteHome(), ".ferry/agents/*/ferry-agent"))
	require.Len(t, agents, 1)
	good, err := os.ReadFile(agents[0])
	require.NoError(t, err)
	// Something else now sits at the agent's path: an agent that speaks another version.
	fake := agents[0] + ".fake"
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\nprintf 'FERRY-AGENT\\000\\143\\003old'\n"), 0o755))
	require.NoError(t, os.Rename(fake, agents[0]))
	e.ok("daemon", "stop")
	e.ok("sync", "flush", "m")
	now, err := os.ReadFile(agents[0])
	require.NoError(t, err)
	require.True(t, bytes.Equal(good, now), "the agent was not reinstalled")
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(agents[0]), ".ferry-agent.tmp-*"))
	require.Empty(t, leftovers)
}

func TestRemoteBadInput(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	local := t.TempDir()
	e.fails("create the parent first", "sync", "create", local, "devbox:~/missing/parent/dir")
	e.fails("cannot reach", "sync", "create", local, "127.0.0.1:1:/tmp/x")
	require.Empty(t, e.sessions())
	// A daemon with no agent builds says so.
	e.ok("daemon", "stop")
	e.extra = append(e.extra, "FERRY_AGENT_DIR="+t.TempDir())
	e.fails("no agent builds", "sync", "create", local, "devbox:~/y")
	require.NoDirExists(t, filepath.Join(sshd.RemoteHome(), "y"))
	require.Empty(t, e.sessions())
}

// runInTerminal runs ferry on a pseudo-terminal, as a person would, and types answer
// when it asks a yes/no question ("(yes/no)" or "[y/N]").
func (e *env) runInTerminal(answer string, args ...string) (string, int) {
	e.t.Helper()
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = append(os.Environ(), "HOME="+e.home, "FERRY_DATA_DIR="+e.data, "GORACE=atexit_sleep_ms=0 halt_on_error=1")
	cmd.Env = append(cmd.Env, e.extra...)
	ptmx, err := pty.Start(cmd)
	require.NoError(e.t, err)
	defer ptmx.Close()
	chunks := make(chan string)
	go func() {
		defer close(chunks)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				chunks <- string(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	var seen strings.Builder
	answered := false
	timeout := time.After(time.Minute)
	for done := false; !done; {
		select {
		case c, ok := <-chunks:
			if !ok {
				done = true
				break
			}
			seen.WriteString(c)
			if !answered && (strings.Contains(seen.String(), "(yes/no)") || strings.Contains(seen.String(), "[y/N]")) {
				fmt.Fprintf(ptmx, "%s\n", answer)
				answered = true
			}
		case <-timeout:
			cmd.Process.Kill()
			e.t.Fatalf("ferry %v did not finish; output so far:\n%s", args, seen.String())
		}
	}
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return seen.String(), code
}

func TestRemoteUnknownHostKey(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox", EmptyKnownHosts: true})
	local := t.TempDir()
	fp := gossh.FingerprintSHA256(sshd.HostKeys()[0])

	// Without a terminal nobody can be asked: the create fails and says what to do.
	e.fails("is not known", "sync", "create", local, "devbox:~/a")
	require.Empty(t, e.sessions())

	out, code := e.runInTerminal("no", "sync", "create", "--name", "refused", local, "devbox:~/b")
	require.NotEqual(t, 0, code, out)
	require.Contains(t, out, fp)
	require.Empty(t, e.sessions())
	kh, _ := os.ReadFile(sshd.KnownHostsPath())
	require.Empty(t, strings.TrimSpace(string(kh)))

	out, code = e.runInTerminal("yes", "sync", "create", "--name", "accepted", local, "devbox:~/c")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, fp)
	require.Contains(t, out, "Created session")
	kh, _ = os.ReadFile(sshd.KnownHostsPath())
	require.Contains(t, string(kh), "[127.0.0.1]:"+strconv.Itoa(sshd.Port()))
	e.ok("sync", "flush", "accepted")
}

func TestRemoteChangedHostKey(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	// known_hosts holds another key for this host, on its second line.
	other, err := sshdtest.GenerateKey("ed25519")
	require.NoError(t, err)
	line := knownHostsLine(t, sshd, other)
	require.NoError(t, os.WriteFile(sshd.KnownHostsPath(), []byte("# first line\n"+line), 0o600))
	r := e.run("sync", "create", t.TempDir(), "devbox:~/x")
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, "changed")
	require.Contains(t, r.stderr, "line 2")
	require.Empty(t, e.sessions())
}

// TestRemoteGoSourceTree syncs the Go distribution's src tree to the remote and checks
// it byte for byte.
func TestRemoteGoSourceTree(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: copies the Go source tree")
	}
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err)
	alpha := filepath.Join(strings.TrimSpace(string(goroot)), "src")
	e.ok("sync", "create", "--name", "gosrc", "--mode", "one-way-replica", "--symlink-mode", "posix-raw", alpha, "devbox:~/gosrc")
	e.ok("sync", "flush", "gosrc")
	requireSameTree(t, alpha, filepath.Join(sshd.RemoteHome(), "gosrc"))
	s := e.session("gosrc")
	require.Equal(t, 0, s.Beta.ProblemCount, "%v", s.Beta.Problems)
	require.Greater(t, s.Beta.Files, uint64(10000))
}

func knownHostsLine(t *testing.T, sshd *sshdtest.Server, key crypto.Signer) string {
	t.Helper()
	pub, err := gossh.NewPublicKey(key.Public())
	require.NoError(t, err)
	return knownhosts.Line([]string{knownhosts.Normalize(sshd.Addr())}, pub) + "\n"
}

func TestRemoteReplicaChangedHalts(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	alpha := t.TempDir()
	writeFile(t, filepath.Join(alpha, "a.txt"), "a", 0o644)
	e.ok("sync", "create", "--name", "box", alpha, "devbox:~/box")
	e.ok("sync", "flush", "box")
	// The "container" is recreated: its ferry state is gone, and so is the folder, which
	// a new image brings back with other content.
	e.ok("daemon", "stop")
	require.NoError(t, os.RemoveAll(filepath.Join(sshd.RemoteHome(), ".ferry")))
	require.NoError(t, os.RemoveAll(filepath.Join(sshd.RemoteHome(), "box")))
	writeFile(t, filepath.Join(sshd.RemoteHome(), "box", "other.txt"), "from the image", 0o644)
	r := e.run("sync", "flush", "box")
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, "not the replica")
	require.Equal(t, protocol.StatusHaltedReplicaChanged, e.session("box").Status)
	require.FileExists(t, filepath.Join(alpha, "a.txt"), "nothing propagated")
	require.NoFileExists(t, filepath.Join(alpha, "other.txt"))
	// A reset merges both sides afresh.
	e.ok("sync", "reset", "box")
	e.ok("sync", "flush", "box")
	require.FileExists(t, filepath.Join(alpha, "other.txt"))
	require.FileExists(t, filepath.Join(sshd.RemoteHome(), "box", "a.txt"))
}

func TestRemoteTrashAndRestore(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	alpha := t.TempDir()
	writeFile(t, filepath.Join(alpha, "notes.txt"), "first draft", 0o644)
	e.ok("sync", "create", "--name", "t", alpha, "devbox:~/t")
	e.ok("sync", "flush", "t")
	writeFile(t, filepath.Join(alpha, "notes.txt"), "second draft", 0o644)
	e.ok("sync", "flush", "t")
	out := e.ok("sync", "trash", "t", "--side", "beta")
	require.Contains(t, out, "notes.txt")
	e.ok("sync", "restore", "t", "--side", "beta", "--to", "notes.v1.txt", "notes.txt")
	require.Equal(t, "first draft", readFile(t, filepath.Join(sshd.RemoteHome(), "t", "notes.v1.txt")))
	e.ok("sync", "flush", "t")
	require.Equal(t, "first draft", readFile(t, filepath.Join(alpha, "notes.v1.txt")))
	e.fails("not in beta's trash", "sync", "restore", "t", "--side", "beta", "nope.txt")
}

// TestRemoteLoginShells syncs and forwards for users whose login shell is fish, zsh or
// tcsh: nothing ferry runs over SSH may depend on a shell's syntax.
func TestRemoteLoginShells(t *testing.T) {
	for _, shell := range []string{"fish", "zsh", "tcsh"} {
		t.Run(shell, func(t *testing.T) {
			path, err := exec.LookPath(shell)
			require.NoError(t, err, "install %s (make deps does)", shell)
			e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox", LoginShell: path})
			out, err := exec.Command("ssh", "-F", sshd.ConfigPath(), "devbox", "echo $SHELL").CombinedOutput()
			require.NoError(t, err, "%s", out)
			require.Equal(t, path, strings.TrimSpace(string(out)), "the session's login shell")
			alpha := t.TempDir()
			writeFile(t, filepath.Join(alpha, "hello.txt"), shell, 0o644)
			e.ok("sync", "create", "--name", "s", alpha, "devbox:~/dir with space")
			e.ok("sync", "flush", "s")
			require.Equal(t, shell, readFile(t, filepath.Join(sshd.RemoteHome(), "dir with space", "hello.txt")))
			require.Contains(t, e.ok("remote", "ports", "devbox"), "PORT")
		})
	}
}

// TestRemoteDiskFull fails the create when the agent cannot be uploaded for lack of
// space, says so, and leaves no partial agent behind.
func TestRemoteDiskFull(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox", RemoteHomeSize: "1m"})
	r := e.run("sync", "create", t.TempDir(), "devbox:~/x")
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, "disk full")
	require.Empty(t, e.sessions())
	// Look from inside sshd's namespace, where the small disk is.
	out, err := exec.Command("ssh", "-F", sshd.ConfigPath(), "devbox", "find ~/.ferry -name '*agent*'").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NotContains(t, string(out), ".ferry-agent.tmp", "a partial upload was left behind")
	require.NotContains(t, string(out), "/ferry-agent\n", "no agent should be installed")
}

// TestRemoteNoBuildForPlatform fails the create with a message naming the platform.
func TestRemoteNoBuildForPlatform(t *testing.T) {
	e, _ := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	dir := t.TempDir()
	// Only a build for another platform.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ferry-agent-plan9-mips"), []byte("not for you"), 0o755))
	e.extra = append(e.extra, "FERRY_AGENT_DIR="+dir)
	e.fails("no ferry agent build for linux/amd64", "sync", "create", t.TempDir(), "devbox:~/x")
	require.Empty(t, e.sessions())
}

// TestRemoteCompressedContent syncs compressible and incompressible files both ways
// over SSH with compression forced on (on loopback it would be off): they arrive intact.
func TestRemoteCompressedContent(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	e.extra = append(e.extra, "FERRY_COMPRESSION=always")
	alpha := t.TempDir()
	writeFile(t, filepath.Join(alpha, "zeros.bin"), string(make([]byte, 3<<20)), 0o644)
	writeFile(t, filepath.Join(alpha, "text.go"), strings.Repeat("package main // compressible\n", 50000), 0o644)
	randomFiles(t, filepath.Join(alpha, "random"), 3, 1<<20)
	e.ok("sync", "create", "--name", "z", alpha, "devbox:~/z")
	e.ok("sync", "flush", "z")
	beta := filepath.Join(sshd.RemoteHome(), "z")
	requireSameTree(t, alpha, beta)
	// A large edit on the remote comes back compressed too (the agent compresses).
	writeFile(t, filepath.Join(beta, "text.go"), strings.Repeat("package main // edited remotely\n", 60000), 0o644)
	e.ok("sync", "flush", "z")
	requireSameTree(t, alpha, beta)
}
