package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/project"
	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
	"github.com/ferrysync/ferry/protocol"
)

// runIn runs ferry in dir, as a person in that folder would.
func (e *env) runIn(dir string, args ...string) result {
	e.t.Helper()
	cmd := exec.Command(ferryBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+e.home, "FERRY_DATA_DIR="+e.data, "GORACE=atexit_sleep_ms=0 halt_on_error=1")
	cmd.Env = append(cmd.Env, e.extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("running ferry %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

func (e *env) forwards(args ...string) []protocol.ForwardSession {
	e.t.Helper()
	var out []protocol.ForwardSession
	require.NoError(e.t, json.Unmarshal([]byte(e.ok(append([]string{"forward", "list", "--json"}, args...)...)), &out))
	return out
}

// projectDir makes a folder holding ferry.yml and returns its canonical path.
func projectDir(t *testing.T, name, yml string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	writeFile(t, filepath.Join(dir, project.FileName), yml, 0o644)
	canonical, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	return canonical
}

// TestProjectOverSSH: a project with a sync to a real sshd and a forward through it,
// started from its folder, listed, flushed, refused a second start, and stopped.
func TestProjectOverSSH(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	remotePort := httpServer(t, "hello from the remote web server")
	local := freePort(t)
	yml := fmt.Sprintf(`# the web project
sync:
  code:
    beta: devbox:~/project
    mode: two-way-safe
    ignore: [node_modules/, "*.o"]
    ignoreVCS: true
    labels: {team: web}
forward:
  web:
    source: tcp:127.0.0.1:%d
    destination: devbox:tcp:127.0.0.1:%d
`, local, remotePort)
	dir := projectDir(t, "web", yml)
	id := project.ID(dir)
	writeFile(t, filepath.Join(dir, "main.go"), "package main\n", 0o644)
	writeFile(t, filepath.Join(dir, "lib/util.go"), "package lib\n", 0o644)
	writeFile(t, filepath.Join(dir, "node_modules/dep/index.js"), "ignored\n", 0o644)
	writeFile(t, filepath.Join(dir, "main.o"), "ignored\n", 0o644)
	writeFile(t, filepath.Join(dir, ".git/HEAD"), "ref: refs/heads/main\n", 0o644)
	remote := filepath.Join(sshd.RemoteHome(), "project")

	// Started from the folder itself, with no argument.
	r := e.runIn(dir, "project", "start")
	require.Equal(t, 0, r.code, "%s%s", r.stdout, r.stderr)
	require.Contains(t, r.stdout, fmt.Sprintf("Starting project %s (ferry-project=%s)", dir, id))
	require.Contains(t, r.stdout, "sync code: created "+project.SessionName(dir, "code"))
	require.Contains(t, r.stdout, "forward web: created "+project.SessionName(dir, "web"))
	require.Contains(t, r.stdout, "Started 1 sync session and 1 forward.")

	sessions := e.sessions("--label-selector", project.Selector(id))
	require.Len(t, sessions, 1)
	s := sessions[0]
	require.Equal(t, project.SessionName(dir, "code"), s.Name)
	require.Equal(t, dir, s.Alpha.URL)
	require.Equal(t, "devbox:~/project", s.Beta.URL)
	require.Equal(t, []string{"node_modules/", "*.o"}, s.Config.Ignores)
	require.True(t, s.Config.IgnoreVCS)
	require.Equal(t, "web", s.Labels["team"])
	require.Equal(t, id, s.Labels[project.LabelProject])
	forwards := e.forwards("--label-selector", project.Selector(id))
	require.Len(t, forwards, 1)
	require.Equal(t, project.SessionName(dir, "web"), forwards[0].Name)
	require.Equal(t, "hello from the remote web server", get(t, local))

	// Flush: the remote holds the folder, without what is ignored.
	out := e.ok("project", "flush", dir)
	require.Contains(t, out, "Flushed sync code: "+project.SessionName(dir, "code"))
	require.Equal(t, "package main\n", readFile(t, filepath.Join(remote, "main.go")))
	require.Equal(t, "package lib\n", readFile(t, filepath.Join(remote, "lib/util.go")))
	require.Equal(t, yml, readFile(t, filepath.Join(remote, project.FileName)))
	for _, ignored := range []string{"node_modules", "main.o", ".git"} {
		require.NoFileExists(t, filepath.Join(remote, ignored))
	}
	writeFile(t, filepath.Join(remote, "from-remote.txt"), "edited on devbox\n", 0o644)
	e.ok("project", "flush", dir)
	require.Equal(t, "edited on devbox\n", readFile(t, filepath.Join(dir, "from-remote.txt")))

	// List, from another folder, by path.
	out = e.ok("project", "list", dir)
	for _, want := range []string{
		"Project: " + dir,
		"File: " + filepath.Join(dir, project.FileName) + " (1 sync session and 1 forward)",
		"Selector: ferry-project=" + id,
		"  code: watching for changes",
		"    " + dir + " <-> devbox:~/project",
		"  web: forwarding, ",
		fmt.Sprintf("    tcp:127.0.0.1:%d -> devbox:tcp:127.0.0.1:%d", local, remotePort),
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "has changed")
	var listing struct {
		ID      string                    `json:"id"`
		Sync    []protocol.SyncSession    `json:"sync"`
		Forward []protocol.ForwardSession `json:"forward"`
	}
	require.NoError(t, json.Unmarshal([]byte(e.ok("project", "list", "--json", dir)), &listing))
	require.Equal(t, id, listing.ID)
	require.Len(t, listing.Sync, 1)
	require.Len(t, listing.Forward, 1)
	require.Contains(t, e.ok("project", "list", "--long", dir), "Identifier: "+s.ID)

	// A second start changes nothing.
	r = e.run("project", "start", dir)
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, "already started; ferry project stop first")
	require.Equal(t, s.ID, e.sessions("--label-selector", project.Selector(id))[0].ID)
	require.Len(t, e.forwards(), 1)

	// The file changes: list says how to apply it.
	writeFile(t, filepath.Join(dir, project.FileName), yml+"# edited\n", 0o644)
	require.Contains(t, e.ok("project", "list", dir), "ferry.yml has changed since these sessions were started")

	// Stop: both gone, the listener closed, the files stay.
	out = e.ok("project", "stop", dir)
	require.Contains(t, out, "Terminated sync code: "+project.SessionName(dir, "code"))
	require.Contains(t, out, "Terminated forward web: "+project.SessionName(dir, "web"))
	require.Empty(t, e.sessions())
	require.Empty(t, e.forwards())
	_, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", local), 5*time.Second)
	require.Error(t, err, "the forward's listener is closed")
	require.FileExists(t, filepath.Join(remote, "main.go"))
	require.Contains(t, e.ok("project", "list", dir), "Not started; ferry project start creates its 1 sync session and 1 forward.")
	require.Contains(t, e.ok("project", "stop", dir), "has no sessions; nothing to stop")
	e.fails("is not started; ferry project start first", "project", "flush", dir)

	// And it starts again.
	e.ok("project", "start", dir)
	require.Len(t, e.sessions(), 1)
	require.Len(t, e.forwards(), 1)
	e.ok("project", "stop", dir)
}

// TestProjectStartAllOrNothing: when one entry cannot be created, the ones created
// before it are terminated, and the message names the entry and why.
func TestProjectStartAllOrNothing(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	e.ok("sync", "create", "--name", "unrelated", t.TempDir(), filepath.Join(t.TempDir(), "copy"))

	// A sync to a host nothing listens on.
	dir := projectDir(t, "app", fmt.Sprintf(`sync:
  good:
    beta: devbox:~/good
  broken:
    beta: 127.0.0.1:1:/srv/app
forward:
  web:
    source: tcp:127.0.0.1:%d
    destination: devbox:tcp:127.0.0.1:80
`, freePort(t)))
	r := e.run("project", "start", dir)
	require.NotEqual(t, 0, r.code)
	msg := strings.TrimSpace(r.stderr)
	require.Contains(t, msg, filepath.Join(dir, project.FileName)+`:4: sync "broken" (`+dir+` <-> 127.0.0.1:1:/srv/app): beta: `)
	require.Contains(t, msg, "cannot reach")
	require.Contains(t, msg, "nothing was started (terminated the 1 session already created)")
	require.Contains(t, r.stdout, "sync good: created")
	require.Equal(t, []string{"unrelated"}, names(e.sessions()))
	require.Empty(t, e.forwards())
	require.DirExists(t, filepath.Join(sshd.RemoteHome(), "good"), "files stay where the session put them")

	// A forward whose port is taken, after two syncs that worked.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	dir = projectDir(t, "app2", fmt.Sprintf(`sync:
  one:
    beta: devbox:~/one
  two:
    beta: ../two
forward:
  web:
    source: tcp:%s
    destination: devbox:tcp:127.0.0.1:80
`, taken.Addr()))
	r = e.run("project", "start", dir)
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, filepath.Join(dir, project.FileName)+`:7: forward "web" (tcp:`+taken.Addr().String())
	require.Contains(t, r.stderr, "nothing was started (terminated the 2 sessions already created)")
	require.Equal(t, []string{"unrelated"}, names(e.sessions()))
	require.Empty(t, e.forwards())

	// A name taken by a session made by hand: that session is not the project's and
	// stays; the one the start had made goes.
	dir = projectDir(t, "app3", "sync:\n  a:\n    beta: ../a\n  b:\n    beta: ../b\n")
	taken3 := project.SessionName(dir, "b")
	e.ok("sync", "create", "--name", taken3, t.TempDir(), filepath.Join(t.TempDir(), "copy"))
	r = e.run("project", "start", dir)
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, fmt.Sprintf(`:4: sync "b" (%s <-> %s): a session named %q exists`, dir, filepath.Join(filepath.Dir(dir), "b"), taken3))
	require.Contains(t, r.stderr, "nothing was started (terminated the 1 session already created)")
	require.Equal(t, []string{"unrelated", taken3}, names(e.sessions()))
}

func ids(ss []protocol.SyncSession) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ID+" "+s.Name)
	}
	return out
}

func names(ss []protocol.SyncSession) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

// TestProjectBadFiles: a file with a problem starts nothing and changes nothing, and
// says where the problem is.
func TestProjectBadFiles(t *testing.T) {
	e := newEnv(t)
	e.ok("sync", "create", "--name", "unrelated", t.TempDir(), filepath.Join(t.TempDir(), "copy"))
	before := ids(e.sessions())
	for _, c := range []struct {
		name string
		yml  string
		want []string // the lines of the message, after "FILE:"
	}{
		{"unknown key, with its line", "sync:\n  code:\n    beta: ../copy\n    ignores: [node_modules/]\n",
			[]string{`4: sync "code": unknown key "ignores"; did you mean "ignore"?`}},
		{"bad mode", "sync:\n  code:\n    beta: ../copy\n    mode: sideways\n",
			[]string{`4: sync "code": mode "sideways" is not a mode; use two-way-safe (the default), two-way-resolved, one-way-safe or one-way-replica`}},
		{"duplicate names", "sync:\n  code:\n    beta: ../a\n  code:\n    beta: ../b\nforward:\n  code:\n    source: tcp:127.0.0.1:1\n    destination: tcp:127.0.0.1:2\n",
			[]string{`4: sync "code" is declared twice (first on line 2); give each session its own name`,
				`7: forward "code": the name is also used by sync "code" on line 2; give each session its own name`}},
		{"several problems at once", "sync:\n  code:\n    beta: \"devbox:\"\n    ignoreVCS: yes\nforward:\n  web:\n    source: tcp:localhost:8080\n",
			[]string{`3: sync "code": beta: endpoint "devbox:": empty remote path`, `4: sync "code": ignoreVCS must be true or false, not "yes"`,
				`6: forward "web": destination is missing`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := projectDir(t, "bad", c.yml)
			file := filepath.Join(dir, project.FileName)
			for _, cmd := range [][]string{{"project", "start", dir}, {"project", "check", dir}} {
				r := e.run(cmd...)
				require.NotEqual(t, 0, r.code, "ferry %v", cmd)
				lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(r.stderr, "ferry: ")), "\n")
				require.Len(t, lines, len(c.want), r.stderr)
				for i, want := range c.want {
					require.True(t, strings.HasPrefix(lines[i], file+":"+want), "line %d of %q should start with %q", i, r.stderr, want)
				}
			}
			// check --json gives the same problems, for editors.
			r := e.run("project", "check", "--json", dir)
			require.NotEqual(t, 0, r.code)
			var failure struct {
				Error struct {
					File     string            `json:"file"`
					Problems []project.Problem `json:"problems"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &failure), r.stdout)
			require.Equal(t, file, failure.Error.File)
			require.Len(t, failure.Error.Problems, len(c.want))
			require.Equal(t, before, ids(e.sessions()), "nothing changed")
			require.Empty(t, e.forwards())
			require.Contains(t, e.ok("project", "list", dir), "File: invalid:")
		})
	}
	// No file at all.
	r := e.run("project", "start", t.TempDir())
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, "no project file in")
	require.Contains(t, r.stderr, "write a ferry.yml there")
	require.Equal(t, before, ids(e.sessions()))
}

// TestProjectLocal: relative paths resolve against the folder, wherever ferry runs;
// the folder reached through a symbolic link is the same project; stop needs no valid
// file; check --json prints what start sends.
func TestProjectLocal(t *testing.T) {
	e := newEnv(t)
	upstream := httpServer(t, "local service")
	port := freePort(t)
	dir := projectDir(t, "site", fmt.Sprintf(`sync:
  pages:
    alpha: public
    beta: ../site-mirror
    mode: one-way-replica
    watchMode: no-watch
forward:
  app:
    source: tcp:127.0.0.1:%d
    destination: tcp:127.0.0.1:%d
`, port, upstream))
	writeFile(t, filepath.Join(dir, "public/index.html"), "<h1>hi</h1>\n", 0o644)
	link := filepath.Join(t.TempDir(), "link-to-site")
	require.NoError(t, os.Symlink(dir, link))
	mirror := filepath.Join(filepath.Dir(dir), "site-mirror")

	var plan struct {
		ID   string `json:"id"`
		Sync []struct {
			Entry  string                    `json:"entry"`
			Line   int                       `json:"line"`
			Create protocol.SyncCreateParams `json:"create"`
		} `json:"sync"`
		Forward []struct {
			Entry  string                       `json:"entry"`
			Create protocol.ForwardCreateParams `json:"create"`
		} `json:"forward"`
	}
	require.NoError(t, json.Unmarshal([]byte(e.ok("project", "check", "--json", link)), &plan))
	require.Equal(t, project.ID(dir), plan.ID)
	require.Equal(t, filepath.Join(dir, "public"), plan.Sync[0].Create.Alpha)
	require.Equal(t, mirror, plan.Sync[0].Create.Beta)
	require.Equal(t, "one-way-replica", plan.Sync[0].Create.Config.Mode)
	require.Equal(t, 2, plan.Sync[0].Line)
	require.Equal(t, project.SessionName(dir, "app"), plan.Forward[0].Create.Name)

	// Started from elsewhere, through the link, by its ferry.yml.
	r := e.runIn(t.TempDir(), "project", "start", filepath.Join(link, project.FileName))
	require.Equal(t, 0, r.code, r.stderr)
	e.ok("project", "flush", dir)
	require.Equal(t, "<h1>hi</h1>\n", readFile(t, filepath.Join(mirror, "index.html")))
	require.Equal(t, "local service", get(t, port))
	require.Contains(t, e.ok("project", "list", dir), "  pages: watching for changes")

	// A broken file: list still shows the sessions; stop still stops them.
	writeFile(t, filepath.Join(dir, project.FileName), "sync: [\n", 0o644)
	out := e.ok("project", "list", link)
	require.Contains(t, out, "File: invalid:")
	require.Contains(t, out, "  pages: watching for changes")
	out = e.runIn(dir, "project", "stop").stdout
	require.Contains(t, out, "Terminated sync pages")
	require.Contains(t, out, "Terminated forward app")
	require.Empty(t, e.sessions())
	require.Empty(t, e.forwards())
}
