package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/protocol"
)

func TestReadIgnoreFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "patterns")
	require.NoError(t, os.WriteFile(file, []byte("\xef\xbb\xbf# build output\r\nbuild/\r\n\r\n   \n*.o  \n\\#literal\n !spaced\n!keep.o\n"), 0o644))
	got, err := readIgnoreFile(file)
	require.NoError(t, err)
	require.Equal(t, []string{"build/", "*.o  ", `\#literal`, " !spaced", "!keep.o"}, got,
		"comments and blank lines left out, the rest as written (git trims trailing spaces itself)")

	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, []byte("# nothing\n\n"), 0o644))
	got, err = readIgnoreFile(empty)
	require.NoError(t, err)
	require.Empty(t, got)

	_, err = readIgnoreFile(filepath.Join(dir, "missing"))
	require.EqualError(t, err, "--ignore-from "+filepath.Join(dir, "missing")+": no such file; give a file of gitignore-style patterns, one a line")
	_, err = readIgnoreFile(dir)
	require.ErrorContains(t, err, "is a folder; give a file of gitignore-style patterns")

	bad := filepath.Join(dir, "bad")
	require.NoError(t, os.WriteFile(bad, []byte("ok\n# fine\nfoo[\n"), 0o644))
	_, err = readIgnoreFile(bad)
	require.ErrorContains(t, err, bad+`:3: ignore pattern "foo[": unterminated character class`)

	big := filepath.Join(dir, "big")
	require.NoError(t, os.WriteFile(big, bytes.Repeat([]byte("a\n"), maxIgnoreFile), 0o644))
	_, err = readIgnoreFile(big)
	require.ErrorContains(t, err, "is larger than 1MiB")
}

// parseConfig parses create's configuration flags as the command does.
func parseConfig(t *testing.T, args ...string) (protocol.SyncConfig, error) {
	t.Helper()
	var cfg protocol.SyncConfig
	var c configFlags
	f := pflag.NewFlagSet("create", pflag.ContinueOnError)
	f.SetOutput(&bytes.Buffer{})
	c.add(f, &cfg)
	if err := f.Parse(args); err != nil {
		return cfg, err
	}
	return cfg, c.apply(f, &cfg)
}

func TestConfigFlags(t *testing.T) {
	dir := t.TempDir()
	patterns := filepath.Join(dir, "patterns")
	require.NoError(t, os.WriteFile(patterns, []byte("# generated\nnode_modules/\n*.log\n"), 0o644))

	cfg, err := parseConfig(t, "--gitignore", "--ignore-vcs", "--ignore", "!keep.log", "--ignore-from", patterns,
		"--max-staging-file-size", "1.5GiB", "--watch-polling-interval", "3",
		"--watch-mode-beta", "force-poll", "--watch-polling-interval-beta", "2.5", "--default-owner-beta", "www-data",
		"--default-group-beta", "33", "--default-file-mode-alpha", "0600", "--default-directory-mode-alpha", "0700")
	require.NoError(t, err)
	require.Equal(t, protocol.SyncConfig{
		Ignores:   []string{"node_modules/", "*.log", "!keep.log"}, // the file's first, so --ignore can override them
		IgnoreVCS: true, GitIgnore: true, PollIntervalSeconds: 3, MaxFileSize: 1536 << 20,
		Alpha: &protocol.SideConfig{DefaultFileMode: "0600", DefaultDirectoryMode: "0700"},
		Beta:  &protocol.SideConfig{WatchMode: "force-poll", PollIntervalSeconds: 2.5, DefaultOwner: "www-data", DefaultGroup: "33"},
	}, cfg)

	cfg, err = parseConfig(t)
	require.NoError(t, err)
	require.Equal(t, protocol.SyncConfig{}, cfg, "no flags: every default, no side settings")

	for _, c := range []struct {
		size string
		want int64
	}{{"100MB", 100_000_000}, {"512k", 512_000}, {"12345", 12345}, {"0", 0}} {
		cfg, err = parseConfig(t, "--max-staging-file-size", c.size)
		require.NoError(t, err)
		require.Equal(t, c.want, cfg.MaxFileSize, c.size)
	}

	cfg, err = parseConfig(t, "--no-ignore-vcs")
	require.NoError(t, err)
	require.False(t, cfg.IgnoreVCS)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--ignore-vcs", "--no-ignore-vcs"}, "--ignore-vcs and --no-ignore-vcs contradict each other; give one of them"},
		{[]string{"--no-ignore-vcs", "--ignore-vcs=false"}, "contradict each other"},
		{[]string{"--max-staging-file-size", "12XB"}, `"12XB" is not a size: write a number of bytes or one with a unit (100MB, 1.5GiB)`},
		{[]string{"--max-staging-file-size", "-1"}, `"-1" is not a size`},
		{[]string{"--ignore-from", filepath.Join(dir, "nope")}, "nope: no such file"},
	} {
		_, err := parseConfig(t, c.args...)
		require.ErrorContains(t, err, c.want, "%v", c.args)
	}
}

func TestPrintConfig(t *testing.T) {
	var b bytes.Buffer
	printConfig(&b, protocol.SyncConfig{PermissionsMode: "portable", WatchMode: "portable"})
	require.Equal(t, `Configuration:
  Ignores: none
  Ignore VCS: no
  Gitignore: no
  Symlink mode: portable
  Permissions mode: portable
  Watch mode: portable
  Polling interval: 10s (default)
  Default file mode: 0644, plus executable bits (default)
  Default directory mode: 0755 (default)
  Default owner: the user ferry runs as there (default)
  Default group: that user's group (default)
  Max staging file size: no limit
  Max entry count: no limit
`, b.String())

	b.Reset()
	printConfig(&b, protocol.SyncConfig{Ignores: []string{"*.o", "build/"}, IgnoreVCS: true, GitIgnore: true,
		SymlinkMode: "posix-raw", PermissionsMode: "manual", WatchMode: "portable", PollIntervalSeconds: 5,
		DefaultFileMode: "0640", DefaultOwner: "alice", MaxFileSize: 100_000_000, MaxEntries: 5000,
		Beta: &protocol.SideConfig{WatchMode: "force-poll", PollIntervalSeconds: 2.5, DefaultOwner: "www-data"}})
	require.Equal(t, `Configuration:
  Ignores: *.o, build/
  Ignore VCS: yes
  Gitignore: yes
  Symlink mode: posix-raw
  Permissions mode: manual
  Watch mode: alpha portable; beta force-poll
  Polling interval: alpha 5s; beta 2.5s
  Default file mode: 0640
  Default directory mode: 0755 (default)
  Default owner: alpha alice; beta www-data
  Default group: that user's group (default)
  Max staging file size: 100MB (100000000 bytes)
  Max entry count: 5000
`, b.String())
}
