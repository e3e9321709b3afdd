package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/project"
)

// TestGlobalConfiguration: the global file's defaults reach sync create and forward
// create, under the flags the user set; -c adds a file over it;
// --no-global-configuration skips it; a broken one says where and how to skip it.
func TestGlobalConfiguration(t *testing.T) {
	e := newEnv(t)
	global := filepath.Join(e.data, project.ConfigFileName)
	writeFile(t, global, `sync:
  defaults:
    mode: one-way-safe
    ignore: [global/]
    labels: {from: global}
forward:
  defaults:
    labels: {from: global}
    socketMode: "0660"
`, 0o644)
	pair := func() (string, string) { return t.TempDir(), filepath.Join(t.TempDir(), "copy") }

	a, b := pair()
	e.ok("sync", "create", "--name", "plain", a, b)
	s := e.session("plain")
	require.Equal(t, []string{"global/"}, s.Config.Ignores)
	require.Equal(t, "one-way-safe", s.Config.Mode)
	require.Equal(t, "global", s.Labels["from"])

	// Flags the user set win; ignores and labels add up.
	a, b = pair()
	e.ok("sync", "create", "--name", "flags", "--mode", "two-way-resolved", "--ignore", "flag/", "--label", "x=y", a, b)
	s = e.session("flags")
	require.Equal(t, "two-way-resolved", s.Config.Mode)
	require.Equal(t, []string{"global/", "flag/"}, s.Config.Ignores)
	require.Equal(t, "global", s.Labels["from"])
	require.Equal(t, "y", s.Labels["x"])

	// -c FILE applies over the global file.
	extra := filepath.Join(t.TempDir(), "extra.yml")
	writeFile(t, extra, "sync:\n  defaults:\n    mode: one-way-replica\n    ignore: [extra/]\n", 0o644)
	a, b = pair()
	e.ok("-c", extra, "sync", "create", "--name", "extra", a, b)
	s = e.session("extra")
	require.Equal(t, "one-way-replica", s.Config.Mode)
	require.Equal(t, []string{"global/", "extra/"}, s.Config.Ignores)

	// Skipped: only -c's, or nothing.
	a, b = pair()
	e.ok("--no-global-configuration", "sync", "create", "--name", "skipped", a, b)
	s = e.session("skipped")
	require.Empty(t, s.Config.Ignores)
	require.Equal(t, "two-way-safe", s.Config.Mode)
	require.NotContains(t, s.Labels, "from")
	a, b = pair()
	e.ok("sync", "create", "--config", extra, "--no-global-configuration", "--name", "only-extra", a, b)
	require.Equal(t, []string{"extra/"}, e.session("only-extra").Config.Ignores)

	// Forwards take their defaults too; socketMode only for a unix: source.
	port := freePort(t)
	e.ok("forward", "create", "--name", "web", fmt.Sprintf("tcp:127.0.0.1:%d", port), fmt.Sprintf("tcp:127.0.0.1:%d", freePort(t)))
	require.Equal(t, "global", e.forwards("web")[0].Labels["from"])
	sock := filepath.Join(t.TempDir(), "s.sock")
	e.ok("forward", "create", "--name", "sock", "unix:"+sock, fmt.Sprintf("tcp:127.0.0.1:%d", freePort(t)))
	info, err := os.Stat(sock)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o660), info.Mode().Perm())
	sock2 := filepath.Join(t.TempDir(), "s.sock")
	e.ok("forward", "create", "--name", "sock2", "--socket-mode", "0600", "unix:"+sock2, fmt.Sprintf("tcp:127.0.0.1:%d", freePort(t)))
	info, err = os.Stat(sock2)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the flag over the default")

	// $XDG_CONFIG_HOME/ferry/config.yml applies before the data directory's file.
	xdg := t.TempDir()
	writeFile(t, filepath.Join(xdg, "ferry", project.ConfigFileName), "sync:\n  defaults:\n    ignore: [xdg/]\n    mode: two-way-resolved\n", 0o644)
	a, b = pair()
	r := e.runEnv([]string{"XDG_CONFIG_HOME=" + xdg}, "sync", "create", "--name", "xdg", a, b)
	require.Equal(t, 0, r.code, r.stderr)
	s = e.session("xdg")
	require.Equal(t, []string{"xdg/", "global/"}, s.Config.Ignores)
	require.Equal(t, "one-way-safe", s.Config.Mode, "the data directory's file is applied last")

	// A broken global file: an error naming the file and line, and how to skip it.
	writeFile(t, global, "sync:\n  defaults:\n    ignore: [global/]\n    mode: sideways\n", 0o644)
	a, b = pair()
	r = e.run("sync", "create", "--name", "broken", a, b)
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, global+`:4: sync defaults: mode "sideways" is not a mode`)
	require.Contains(t, r.stderr, "--no-global-configuration")
	require.NotContains(t, names(e.sessions()), "broken")
	e.ok("--no-global-configuration", "sync", "create", "--name", "broken", a, b)

	// A -c file that is not there is an error, not nothing.
	a, b = pair()
	e.fails("does not exist", "-c", filepath.Join(t.TempDir(), "none.yml"), "--no-global-configuration", "sync", "create", a, b)
	require.NoError(t, os.Remove(global))
}

// TestProjectDefaultsAndHooks: the global file, the project's defaults and the entry
// combine; hooks run in order around start and stop, with the flush of flushOnCreate
// before afterCreate; project run, pause, resume and reset.
func TestProjectDefaultsAndHooks(t *testing.T) {
	e := newEnv(t)
	writeFile(t, filepath.Join(e.data, project.ConfigFileName), "sync:\n  defaults:\n    ignore: [global/]\n    watchMode: no-watch\n", 0o644)
	yml := `sync:
  defaults:
    mode: one-way-replica
    ignore: [project/]
  pages:
    beta: ../mirror
    ignore: [entry/]
beforeCreate:
  - echo before1 >> ../hooks.log
  - echo before2 >> ../hooks.log; echo shown to the user
flushOnCreate: true
afterCreate:
  - test -f ../mirror/index.html && echo after-flushed >> ../hooks.log
beforeTerminate: [echo beforeTerminate >> ../hooks.log]
afterTerminate: [echo afterTerminate >> ../hooks.log]
commands:
  where: echo "running in $(pwd)"
  fail: echo failing >&2; exit 3
`
	dir := projectDir(t, "site", yml)
	hooksLog := filepath.Join(filepath.Dir(dir), "hooks.log")
	mirror := filepath.Join(filepath.Dir(dir), "mirror")
	for _, f := range []string{"index.html", "global/x", "project/x", "entry/x"} {
		writeFile(t, filepath.Join(dir, f), f+"\n", 0o644)
	}

	extra := filepath.Join(t.TempDir(), "extra.yml")
	writeFile(t, extra, "sync:\n  defaults:\n    labels: {from: extra}\n    watchMode: portable\n", 0o644)
	r := e.runIn(t.TempDir(), "-c", extra, "project", "start", dir)
	require.Equal(t, 0, r.code, "%s%s", r.stdout, r.stderr)
	require.Contains(t, r.stdout, "  beforeCreate: echo before2 >> ../hooks.log; echo shown to the user\nshown to the user\n", "the hook's output reaches the user")
	require.Equal(t, "before1\nbefore2\nafter-flushed\n", readFile(t, hooksLog), "in order, afterCreate after the flush")
	require.Contains(t, r.stdout, "  beforeCreate: echo before1 >> ../hooks.log")
	require.Contains(t, r.stdout, "Flushed 1 sync session.")
	name := project.SessionName(dir, "pages")
	s := e.session(name)
	require.Equal(t, []string{"global/", "project/", "entry/"}, s.Config.Ignores)
	require.Equal(t, "one-way-replica", s.Config.Mode)
	require.Equal(t, "portable", s.Config.WatchMode, "the -c file over the global one")
	require.Equal(t, "extra", s.Labels["from"])
	require.FileExists(t, filepath.Join(mirror, "index.html"))
	for _, ignored := range []string{"global", "project", "entry"} {
		require.NoFileExists(t, filepath.Join(mirror, ignored))
	}

	out := e.ok("project", "check", dir)
	require.Contains(t, out, "  beforeCreate: echo before1 >> ../hooks.log\n")
	require.Contains(t, out, "  flushOnCreate: start flushes")
	require.Contains(t, out, "  commands (ferry project run NAME): fail, where\n")
	// The editor starts and stops the sessions itself: check --json gives it the hooks.
	var plan struct{ Hooks project.Hooks }
	require.NoError(t, json.Unmarshal([]byte(e.ok("project", "check", "--json", dir)), &plan))
	require.Equal(t, project.Hooks{
		BeforeCreate:    []project.Command{{Line: 9, Shell: "echo before1 >> ../hooks.log"}, {Line: 10, Shell: "echo before2 >> ../hooks.log; echo shown to the user"}},
		AfterCreate:     []project.Command{{Line: 13, Shell: "test -f ../mirror/index.html && echo after-flushed >> ../hooks.log"}},
		BeforeTerminate: []project.Command{{Line: 14, Shell: "echo beforeTerminate >> ../hooks.log"}},
		AfterTerminate:  []project.Command{{Line: 15, Shell: "echo afterTerminate >> ../hooks.log"}},
		FlushOnCreate:   true,
	}, plan.Hooks)

	// project run: in the folder, output streamed, exit status passed on.
	r = e.runIn(t.TempDir(), "project", "run", "where", dir)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, "running in "+dir+"\n", r.stdout)
	r = e.runIn(dir, "project", "run", "fail")
	require.Equal(t, 3, r.code)
	require.Contains(t, r.stderr, "failing\n")
	require.Contains(t, r.stderr, "command fail exited with status 3")
	e.fails(`has no command "nope"; its commands are fail, where`, "project", "run", "nope", dir)
	require.Contains(t, e.runIn(dir, "__complete", "project", "run", "").stdout, "fail\nwhere\n", "names complete")

	// pause, resume and reset act on the project's sessions only.
	e.ok("sync", "create", "--no-global-configuration", "--name", "other", t.TempDir(), filepath.Join(t.TempDir(), "copy"))
	require.Contains(t, e.ok("project", "pause", dir), "Paused sync pages: "+name)
	require.True(t, e.session(name).Paused)
	require.False(t, e.session("other").Paused)
	require.Contains(t, e.ok("project", "resume", dir), "Resumed sync pages: "+name)
	require.False(t, e.session(name).Paused)
	require.Contains(t, e.ok("project", "reset", dir), "Reset sync pages: "+name)

	// stop runs the terminate hooks around the termination.
	out = e.ok("project", "stop", dir)
	require.Contains(t, out, "Terminated sync pages")
	require.Equal(t, "before1\nbefore2\nafter-flushed\nbeforeTerminate\nafterTerminate\n", readFile(t, hooksLog))
	require.Equal(t, []string{"other"}, names(e.sessions()))
	e.fails("is not started; ferry project start first", "project", "pause", dir)
}

// TestProjectFailingHooks: a failing beforeCreate stops the start before anything is
// created, and the hooks after it do not run; a failing afterCreate leaves the
// sessions started and says so.
func TestProjectFailingHooks(t *testing.T) {
	e := newEnv(t)
	dir := projectDir(t, "app", `sync:
  code:
    beta: ../copy
beforeCreate:
  - echo one >> ../hooks.log
  - exit 7
  - echo never >> ../hooks.log
`)
	hooksLog := filepath.Join(filepath.Dir(dir), "hooks.log")
	r := e.run("project", "start", dir)
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, filepath.Join(dir, project.FileName)+`:6: beforeCreate hook "exit 7" exited with status 7; nothing was started`)
	require.Equal(t, "one\n", readFile(t, hooksLog))
	require.Empty(t, e.sessions())

	writeFile(t, filepath.Join(dir, project.FileName), "sync:\n  code:\n    beta: ../copy\nafterCreate: [\"false\"]\n", 0o644)
	r = e.run("project", "start", dir)
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, `:4: afterCreate hook "false" exited with status 1; the sessions are started (ferry project stop terminates them)`)
	require.Len(t, e.sessions(), 1)
	require.True(t, strings.HasSuffix(e.sessions()[0].Name, "-code"))

	// A failing terminate hook is reported, and the sessions go anyway.
	writeFile(t, filepath.Join(dir, project.FileName), "sync:\n  code:\n    beta: ../copy\nbeforeTerminate: [\"exit 4\"]\nafterTerminate: [echo after >> ../hooks.log]\n", 0o644)
	r = e.run("project", "stop", dir)
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, `:4: beforeTerminate hook "exit 4" exited with status 4 (the sessions were terminated anyway)`)
	require.Contains(t, r.stdout, "Terminated sync code")
	require.Empty(t, e.sessions())
	require.Equal(t, "one\nafter\n", readFile(t, hooksLog), "afterTerminate still ran")
}
