package main_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// registerEnv is an env whose data directory, binary and XDG_CONFIG_HOME have spaces
// in their paths, with a fake systemctl first in PATH that logs its arguments and
// exits with the status in $FAKE_SYSTEMCTL_EXIT.
type registerEnv struct {
	*env
	bin, unit, systemctlLog string
}

func newRegisterEnv(t *testing.T, systemctlExit string) *registerEnv {
	e := newEnv(t)
	base := t.TempDir()
	e.data = filepath.Join(base, "data dir")
	r := &registerEnv{env: e, bin: filepath.Join(base, "bin dir", "ferry"),
		unit: filepath.Join(base, "config dir", "systemd", "user", "ferry.service"), systemctlLog: filepath.Join(base, "systemctl.log")}
	data, err := os.ReadFile(ferryBin)
	require.NoError(t, err)
	writeFile(t, r.bin, string(data), 0o755)
	fake := filepath.Join(base, "fake-bin")
	writeFile(t, filepath.Join(fake, "systemctl"), `#!/bin/sh
echo "$@" >> "$FAKE_SYSTEMCTL_LOG"
if [ "$FAKE_SYSTEMCTL_EXIT" != 0 ]; then echo "Failed to connect to bus: No medium found" >&2; fi
exit "$FAKE_SYSTEMCTL_EXIT"
`, 0o755)
	e.extra = append(e.extra, "XDG_CONFIG_HOME="+filepath.Join(base, "config dir"), "PATH="+fake+":"+os.Getenv("PATH"),
		"FAKE_SYSTEMCTL_LOG="+r.systemctlLog, "FAKE_SYSTEMCTL_EXIT="+systemctlExit, "FERRY_NO_AUTOSTART=1")
	return r
}

// ferry runs the copy of ferry with spaces in its path.
func (r *registerEnv) ferry(args ...string) result {
	r.t.Helper()
	return runCmd(r.t, r.command(r.bin, nil, args...))
}

func (r *registerEnv) systemctlCalls() []string {
	data, err := os.ReadFile(r.systemctlLog)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(r.t, err)
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// Without a user bus (as on this machine) the unit is still written, the error says
// what to run by hand, and the unit's ExecStart and Environment start a daemon that
// serves the data directory; unregister removes the unit, twice without harm.
func TestDaemonRegisterWithoutUserBus(t *testing.T) {
	r := newRegisterEnv(t, "1")
	res := r.ferry("daemon", "register")
	require.NotEqual(t, 0, res.code, res.stdout)
	require.Contains(t, res.stderr, r.unit+" is written, but systemd did not load it: systemctl --user daemon-reload: Failed to connect to bus")
	require.Contains(t, res.stderr, "run by hand: systemctl --user daemon-reload && systemctl --user enable --now ferry.service")
	require.Equal(t, []string{"--user daemon-reload"}, r.systemctlCalls())

	unit := readFile(t, r.unit)
	argv, env := parseUnit(t, unit)
	require.Equal(t, []string{r.bin, "daemon", "run"}, argv)
	require.Equal(t, []string{"FERRY_DATA_DIR=" + r.data}, env)
	require.Contains(t, unit, "\nStandardOutput=append:"+filepath.Join(r.data, "daemon.log")+"\n")

	// The daemon as systemd would start it: the unit's command and environment, and
	// a HOME, nothing else from this test.
	daemon := exec.Command(argv[0], argv[1:]...)
	daemon.Env = append([]string{"HOME=" + r.home, "PATH=" + os.Getenv("PATH")}, env...)
	out, err := daemon.StdoutPipe()
	require.NoError(t, err)
	daemon.Stderr = daemon.Stdout
	require.NoError(t, daemon.Start())
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = daemon.Wait(); close(exited) }()
	t.Cleanup(func() {
		daemon.Process.Kill()
		<-exited
	})
	serving := bufio.NewScanner(out)
	for serving.Scan() && !strings.Contains(serving.Text(), "serving") {
	}
	require.Contains(t, serving.Text(), "ferry daemon dev serving "+filepath.Join(r.data, "daemon.sock"))
	go func() {
		for serving.Scan() {
		}
	}()
	// FERRY_NO_AUTOSTART is set: these answers come from the unit's daemon.
	require.Contains(t, r.ok("version"), "daemon: dev")
	require.Contains(t, r.ok("sync", "list"), "No sync sessions.")
	r.ok("daemon", "stop")
	<-exited
	require.NoError(t, waitErr, "the daemon exits cleanly on daemon stop")

	res = r.ferry("daemon", "unregister")
	require.NotEqual(t, 0, res.code)
	require.Contains(t, res.stderr, "systemd could not be told")
	require.Contains(t, res.stderr, "run by hand: systemctl --user disable --now ferry.service")
	require.Contains(t, res.stdout, "Removed "+r.unit)
	require.NoFileExists(t, r.unit)
	res = r.ferry("daemon", "unregister")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "not registered")
}

// With a service manager that works, register stops a running daemon, reloads and
// enables the unit, and unregister disables it, removes it and reloads.
func TestDaemonRegisterWithSystemd(t *testing.T) {
	r := newRegisterEnv(t, "0")
	// A daemon that runs already is stopped, for the service's to take over.
	r.ok("daemon", "start")
	res := r.ferry("daemon", "register")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "Stopped the running daemon, for the service's to take over.")
	r.fails("no ferry daemon is running", "sync", "list")
	require.Contains(t, res.stdout, "Wrote "+r.unit)
	require.Contains(t, res.stdout, "The daemon runs under systemd, now and at every login.")
	require.FileExists(t, r.unit)
	// Registering again rewrites the unit.
	require.Equal(t, 0, r.ferry("daemon", "register").code)

	// systemctl enable's link, which unregister removes even if systemctl did not.
	link := filepath.Join(filepath.Dir(r.unit), "default.target.wants", "ferry.service")
	require.NoError(t, os.MkdirAll(filepath.Dir(link), 0o755))
	require.NoError(t, os.Symlink(r.unit, link))
	res = r.ferry("daemon", "unregister")
	require.Equal(t, 0, res.code, res.stderr)
	require.NoFileExists(t, r.unit)
	_, err := os.Lstat(link)
	require.True(t, os.IsNotExist(err), "the enable link is removed")
	require.Equal(t, []string{
		"--user daemon-reload", "--user enable --now ferry.service",
		"--user daemon-reload", "--user enable --now ferry.service",
		"--user disable --now ferry.service", "--user daemon-reload",
	}, r.systemctlCalls())
}

// parseUnit returns a unit's ExecStart as arguments and its Environment as NAME=value
// pairs, unquoted as systemd does (double quotes, backslash escapes, "%%" and "$$").
func parseUnit(t *testing.T, unit string) (argv, env []string) {
	t.Helper()
	for _, line := range strings.Split(unit, "\n") {
		switch {
		case strings.HasPrefix(line, "ExecStart="):
			for _, w := range systemdWords(t, strings.TrimPrefix(line, "ExecStart=")) {
				argv = append(argv, strings.ReplaceAll(w, "$$", "$"))
			}
		case strings.HasPrefix(line, "Environment="):
			env = append(env, systemdWords(t, strings.TrimPrefix(line, "Environment="))...)
		}
	}
	return argv, env
}

func systemdWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			w.WriteByte(map[byte]byte{'n': '\n', '\\': '\\', '"': '"'}[s[i]])
		case c == '%':
			require.True(t, i+1 < len(s) && s[i+1] == '%', "a lone %% is a specifier: %q", s)
			i++
			w.WriteByte('%')
		case c == '"':
			quoted = !quoted
			inWord = true
			continue
		case c == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
			continue
		default:
			w.WriteByte(c)
		}
		inWord = true
	}
	require.False(t, quoted, "unbalanced quotes: %q", s)
	if inWord {
		words = append(words, w.String())
	}
	return words
}
