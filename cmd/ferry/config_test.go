package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLoadDefaults: the global files come from the data directory and
// $XDG_CONFIG_HOME of a temporary user, the -c file over them, and the flags skip or
// add them.
func TestLoadDefaults(t *testing.T) {
	home, data, xdg := t.TempDir(), t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("FERRY_DATA_DIR", data)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Cleanup(func() { config = configOptions{} })
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
			config = c.options
			d, err := loadDefaults()
			require.NoError(t, err)
			require.Equal(t, c.want, d.SyncDefaults().Ignore)
			if c.wantFile != nil {
				require.Equal(t, c.wantFile, d.Files)
			}
		})
	}

	config = configOptions{}
	write(filepath.Join(data, "config.yml"), "sync:\n  defaults:\n    ignore: data/\n")
	_, err = loadDefaults()
	require.ErrorContains(t, err, filepath.Join(data, "config.yml")+":3: sync defaults: ignore must be a list of patterns")
	require.ErrorContains(t, err, "skip it with --no-global-configuration")
}
