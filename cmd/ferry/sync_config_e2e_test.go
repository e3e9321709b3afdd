package main_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/protocol"
)

// TestCreateConfiguration: sync create with --gitignore (a nested sub/.gitignore
// included), --ignore-from, a size with a unit and per-side settings; what is ignored
// stays behind, the rest syncs, and sync list --long and --json show the settings. A
// project file with the same settings starts its session with them.
func TestCreateConfiguration(t *testing.T) {
	e := newEnv(t)
	base := t.TempDir()
	alpha, beta := filepath.Join(base, "alpha"), filepath.Join(base, "beta")
	for path, content := range map[string]string{
		".gitignore":       "*.log\n",
		"keep.txt":         "keep\n",
		"app.log":          "ignored by the root .gitignore\n",
		"sub/.gitignore":   "secret.txt\n/local/\n",
		"sub/visible.txt":  "visible\n",
		"sub/secret.txt":   "ignored by sub/.gitignore\n",
		"sub/local/x.txt":  "ignored by sub/.gitignore\n",
		"other/secret.txt": "sub/.gitignore does not reach here\n",
		"notes.tmp":        "ignored by --ignore-from\n",
	} {
		writeFile(t, filepath.Join(alpha, path), content, 0o644)
	}
	patterns := filepath.Join(base, "patterns")
	writeFile(t, patterns, "# scratch files\n\n*.tmp\n", 0o644)

	e.ok("sync", "create", "--name", "g", "--gitignore", "--ignore-from", patterns, "--max-staging-file-size", "1.5GiB",
		"--watch-mode-beta", "force-poll", "--watch-polling-interval-alpha", "2.5", "--default-file-mode-beta", "0600",
		alpha, beta)
	e.ok("sync", "flush", "g")
	for _, p := range []string{".gitignore", "keep.txt", "sub/.gitignore", "sub/visible.txt", "other/secret.txt"} {
		require.FileExists(t, filepath.Join(beta, p))
	}
	for _, p := range []string{"app.log", "sub/secret.txt", "sub/local", "notes.tmp"} {
		require.NoFileExists(t, filepath.Join(beta, p))
		require.NoDirExists(t, filepath.Join(beta, p))
	}
	require.Equal(t, fs.FileMode(0o600), permOf(t, filepath.Join(beta, "keep.txt")), "beta's own default file mode")

	cfg := e.session("g").Config
	require.True(t, cfg.GitIgnore)
	require.Equal(t, []string{"*.tmp"}, cfg.Ignores)
	require.Equal(t, int64(1536<<20), cfg.MaxFileSize)
	require.Equal(t, &protocol.SideConfig{PollIntervalSeconds: 2.5}, cfg.Alpha)
	require.Equal(t, &protocol.SideConfig{WatchMode: "force-poll", DefaultFileMode: "0600"}, cfg.Beta)
	long := e.ok("sync", "list", "--long", "g")
	for _, want := range []string{
		"  Ignores: *.tmp\n",
		"  Gitignore: yes\n",
		"  Watch mode: alpha portable; beta force-poll\n",
		"  Polling interval: alpha 2.5s; beta 10s\n",
		"  Default file mode: alpha 0644, plus executable bits (default); beta 0600\n",
		"  Max staging file size: 1.5GiB (1610612736 bytes)\n",
		"  Max entry count: no limit\n",
	} {
		require.Contains(t, long, want)
	}

	// Contradictions and bad values: a clear error, no session.
	for _, c := range []struct {
		want string
		args []string
	}{
		{"--ignore-vcs and --no-ignore-vcs contradict each other; give one of them", []string{"--ignore-vcs", "--no-ignore-vcs"}},
		{"no such file; give a file of gitignore-style patterns", []string{"--ignore-from", filepath.Join(base, "missing")}},
		{`"12XB" is not a size: write a number of bytes or one with a unit (100MB, 1.5GiB)`, []string{"--max-staging-file-size", "12XB"}},
		{`beta: unknown watch mode "sometimes": use portable, force-poll or no-watch`, []string{"--watch-mode-beta", "sometimes"}},
		{"alpha: the polling interval must be at least 100ms", []string{"--watch-polling-interval-alpha", "0.01"}},
		{`beta: default owner "no-such-user-here": unknown on this system`, []string{"--default-owner-beta", "no-such-user-here"}},
	} {
		e.fails(c.want, append(append([]string{"sync", "create", "--name", "bad"}, c.args...), alpha, filepath.Join(base, "bad"))...)
	}
	require.Len(t, e.sessions(), 1)

	// A project file with gitignore, a size with a unit and a side's own settings.
	dir := projectDir(t, "proj", `sync:
  code:
    alpha: src
    beta: ../proj-mirror
    gitignore: true
    maxStagingFileSize: 100MB
    configurationBeta:
      watchMode: force-poll
      defaultFileMode: "0600"
`)
	writeFile(t, filepath.Join(dir, "src/.gitignore"), "*.log\n", 0o644)
	writeFile(t, filepath.Join(dir, "src/a.txt"), "a\n", 0o644)
	writeFile(t, filepath.Join(dir, "src/sub/b.log"), "ignored\n", 0o644)
	var plan struct {
		Sync []struct{ Create protocol.SyncCreateParams }
	}
	require.NoError(t, json.Unmarshal([]byte(e.ok("project", "check", "--json", dir)), &plan))
	require.Len(t, plan.Sync, 1)
	require.True(t, plan.Sync[0].Create.Config.GitIgnore, "what the editor starts a project with")
	e.ok("project", "start", dir)
	e.ok("project", "flush", dir)
	mirror := filepath.Join(filepath.Dir(dir), "proj-mirror")
	require.FileExists(t, filepath.Join(mirror, "a.txt"))
	require.NoFileExists(t, filepath.Join(mirror, "sub/b.log"))
	require.Equal(t, fs.FileMode(0o600), permOf(t, filepath.Join(mirror, "a.txt")))
	var code protocol.SyncSession
	for _, s := range e.sessions() {
		if s.Name != "g" {
			code = s
		}
	}
	require.True(t, code.Config.GitIgnore)
	require.Equal(t, int64(100_000_000), code.Config.MaxFileSize)
	require.Nil(t, code.Config.Alpha)
	require.Equal(t, &protocol.SideConfig{WatchMode: "force-poll", DefaultFileMode: "0600"}, code.Config.Beta)
	require.Contains(t, e.ok("sync", "list", "--long", code.Name), "  Max staging file size: 100MB (100000000 bytes)\n")
	require.NoError(t, os.RemoveAll(mirror))
}
