package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/project"
	"github.com/ferrysync/ferry/protocol"
)

// TestLoadDefaults: the global files come from the data directory and
// $XDG_CONFIG_HOME of a temporary user, the -c file over them, and the flags skip or
// add them.
func TestLoadDefaults(t *testing.T) {
	home, data, xdg := t.TempDir(), t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("FERRY_DATA_DIR", data)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Cleanup(func() { configFiles = configOptions{} })
	write := func(path, text string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	}

	d, err := loadDefaults()
	require.NoError(t, err)
	require.Nil(t, d, "no file, no defaults")

	write(filepath.Join(data, "config.yml"), "sync:\n  defaults:\n    ignore: [data/]\n")
	write(filepath.Join(xdg, "ferry", "config.yml"), "sync:\n  defaults:\n    ignore: [xdg/]\n")
	extra := filepath.Join(t.TempDir(), "extra.yml")
	write(extra, "sync:\n  defaults:\n    ignore: [extra/]\n")
	for _, c := range []struct {
		name     string
		xdg      string
		options  configOptions
		want     []string
		wantFile []string
	}{
		{"the data directory's file", "", configOptions{}, []string{"data/"}, []string{filepath.Join(data, "config.yml")}},
		{"XDG first", xdg, configOptions{}, []string{"xdg/", "data/"}, []string{filepath.Join(xdg, "ferry", "config.yml"), filepath.Join(data, "config.yml")}},
		{"-c last", "", configOptions{file: extra}, []string{"data/", "extra/"}, []string{filepath.Join(data, "config.yml"), extra}},
		{"skipped", xdg, configOptions{noGlobal: true}, nil, nil},
		{"skipped but -c", xdg, configOptions{file: extra, noGlobal: true}, []string{"extra/"}, []string{extra}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("XDG_CONFIG_HOME", c.xdg)
			configFiles = c.options
			d, err := loadDefaults()
			require.NoError(t, err)
			require.Equal(t, c.want, d.SyncDefaults().Ignore)
			if c.wantFile != nil {
				require.Equal(t, c.wantFile, d.Files)
			}
		})
	}

	configFiles = configOptions{}
	write(filepath.Join(data, "config.yml"), "sync:\n  defaults:\n    ignore: data/\n")
	_, err = loadDefaults()
	require.ErrorContains(t, err, filepath.Join(data, "config.yml")+":3: sync defaults: ignore must be a list of patterns")
	require.ErrorContains(t, err, "skip it with --no-global-configuration")
}

// TestSyncDefaultsUnderFlags: a configuration's gitignore, ignore-vcs and side blocks
// apply to sync create unless a flag sets the same thing; a side flag replaces only
// its own field of the configured side.
func TestSyncDefaultsUnderFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yml")
	require.NoError(t, os.WriteFile(file, []byte(`sync:
  defaults:
    gitignore: true
    ignoreVCS: true
    ignore: [tmp/]
    configurationBeta:
      watchMode: force-poll
      defaultOwner: www-data
`), 0o644))
	d, err := project.LoadConfig(file)
	require.NoError(t, err)
	create := func(args ...string) protocol.SyncCreateParams {
		var p protocol.SyncCreateParams
		var c configFlags
		f := pflag.NewFlagSet("create", pflag.ContinueOnError)
		c.add(f, &p.Config)
		require.NoError(t, f.Parse(args))
		require.NoError(t, c.apply(f, &p.Config))
		applySyncDefaults(f, &p, d)
		return p
	}

	p := create()
	require.True(t, p.Config.GitIgnore)
	require.True(t, p.Config.IgnoreVCS)
	require.Equal(t, []string{"tmp/"}, p.Config.Ignores)
	require.Nil(t, p.Config.Alpha)
	require.Equal(t, &protocol.SideConfig{WatchMode: "force-poll", DefaultOwner: "www-data"}, p.Config.Beta)

	p = create("--no-ignore-vcs", "--watch-mode-beta", "portable", "--ignore", "*.o")
	require.False(t, p.Config.IgnoreVCS, "--no-ignore-vcs is over the configuration's ignoreVCS")
	require.Equal(t, []string{"tmp/", "*.o"}, p.Config.Ignores)
	require.Equal(t, &protocol.SideConfig{WatchMode: "portable", DefaultOwner: "www-data"}, p.Config.Beta)

	p = create("--default-group-alpha", "staff")
	require.Equal(t, &protocol.SideConfig{DefaultGroup: "staff"}, p.Config.Alpha)
}
