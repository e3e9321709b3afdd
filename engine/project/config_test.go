package project

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/bytesize"
	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/engine/reconcile"
	"github.com/ferrysync/ferry/engine/scan"
)

// TestDefaultsPrecedence: global < -c file < project defaults < entry, key by key;
// ignores and labels add up in that order.
func TestDefaultsPrecedence(t *testing.T) {
	global, err := ParseConfig([]byte(`sync:
  defaults:
    mode: one-way-safe
    watchMode: no-watch
    symlinkMode: ignore
    maxEntryCount: 10
    ignore: [global/]
    labels: {from: global, g: "1"}
forward:
  defaults:
    socketMode: "0600"
`), "/etc/global.yml")
	require.NoError(t, err)
	extra, err := ParseConfig([]byte(`sync:
  defaults:
    watchMode: force-poll
    ignore: [extra/]
    labels: {from: extra}
`), "/tmp/extra.yml")
	require.NoError(t, err)
	d := global.Over(extra)
	require.Equal(t, []string{"/etc/global.yml", "/tmp/extra.yml"}, d.Files)

	s := d.SyncDefaults()
	require.Equal(t, "one-way-safe", s.Mode)
	require.Equal(t, "force-poll", s.WatchMode, "the -c file over the global one")
	require.Equal(t, []string{"global/", "extra/"}, s.Ignore)
	require.Equal(t, map[string]string{"from": "extra", "g": "1"}, s.Labels)
	require.Equal(t, "0600", d.ForwardDefaults().SocketMode)

	p, err := ParseWithDefaults([]byte(`sync:
  defaults:
    symlinkMode: posix-raw
    ignore: [project/]
  code:
    beta: devbox:~/code
    maxEntryCount: 5
    ignore: [entry/]
    labels: {from: entry}
  plain:
    beta: devbox:~/plain
forward:
  web:
    source: tcp:localhost:1
    destination: tcp:localhost:2
`), FileName, "/p", d)
	require.NoError(t, err)
	code, plain := p.Sync[0], p.Sync[1]
	require.Equal(t, "one-way-safe", code.Mode, "from the global file")
	require.Equal(t, "force-poll", code.WatchMode, "from the -c file")
	require.Equal(t, "posix-raw", code.SymlinkMode, "the project's defaults over the files")
	require.Equal(t, uint64(5), code.MaxEntryCount, "the entry over everything")
	require.Equal(t, uint64(10), plain.MaxEntryCount)
	require.Equal(t, []string{"global/", "extra/", "project/", "entry/"}, code.Ignore)
	require.Equal(t, []string{"global/", "extra/", "project/"}, plain.Ignore)
	require.Equal(t, "entry", code.Labels["from"])
	require.Equal(t, "extra", plain.Labels["from"])
	require.Equal(t, "1", plain.Labels["g"])
	require.Empty(t, p.Forward[0].SocketMode, "socketMode reaches only unix: sources")

	// The layers were not changed by being applied.
	require.Equal(t, []string{"global/", "extra/"}, d.SyncDefaults().Ignore)
	require.Equal(t, []string{"global/"}, global.SyncDefaults().Ignore)
	require.Equal(t, "no-watch", global.SyncDefaults().WatchMode)

	var none *Defaults
	require.Equal(t, Sync{}, none.SyncDefaults())
	require.Nil(t, none.Over(nil))
}

func TestParseConfigErrors(t *testing.T) {
	for _, c := range []struct{ name, yml, want string }{
		{"an entry", "sync:\n  code:\n    beta: /x\n", `cfg.yml:2: sync "code": a configuration file declares no sessions, only sync: defaults: settings`},
		{"a hook", "beforeCreate: [x]\n", `cfg.yml:1: beforeCreate belongs in a project's ferry.yml`},
		{"an endpoint", "forward:\n  defaults:\n    destination: tcp:localhost:1\n", `cfg.yml:3: forward defaults: destination cannot have a default`},
		{"a bad value", "sync:\n  defaults:\n\n    watchMode: sometimes\n", `cfg.yml:4: sync defaults: watchMode "sometimes" is not a watch mode`},
		{"a reserved label", "sync:\n  defaults:\n    labels: {ferry-project: x}\n", `cfg.yml:3: sync defaults: labels: ferry-project is set by ferry`},
		{"a typo", "sync:\n  defaults:\n    ignores: [x]\n", `cfg.yml:3: sync defaults: unknown key "ignores"; did you mean "ignore"?`},
		{"bad YAML", "sync: [\n", `cfg.yml:1: invalid YAML`},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := ParseConfig([]byte(c.yml), "cfg.yml")
			require.Nil(t, d)
			require.ErrorContains(t, err, c.want)
		})
	}
	d, err := ParseConfig([]byte("# nothing yet\n"), "cfg.yml")
	require.NoError(t, err, "an empty configuration file is fine")
	require.Equal(t, Sync{}, d.SyncDefaults())
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadConfig(filepath.Join(dir, ConfigFileName))
	require.ErrorIs(t, err, fs.ErrNotExist)
	path := filepath.Join(dir, ConfigFileName)
	require.NoError(t, os.WriteFile(path, []byte("sync:\n  defaults:\n    ignoreVCS: true\n"), 0o644))
	d, err := LoadConfig(path)
	require.NoError(t, err)
	require.True(t, d.SyncDefaults().IgnoreVCS)
	require.Equal(t, []string{path}, d.Files)

	require.Equal(t, []string{"/data/config.yml"}, GlobalConfigFiles("/data", ""))
	require.Equal(t, []string{"/xdg/ferry/config.yml", "/data/config.yml"}, GlobalConfigFiles("/data", "/xdg"))
}

// TestSchemaKeys: every key the walk knows is in the schemas, described, and the
// words the schemas offer are the ones the engine takes.
func TestSchemaKeys(t *testing.T) {
	for _, keys := range keyTables {
		for _, k := range keys {
			require.NotEmpty(t, keyDocs[k.name], "key %s has no description in keyDocs", k.name)
		}
	}
	for _, k := range hookKeys {
		require.NotEmpty(t, keyDocs[k], "key %s has no description in keyDocs", k)
	}
	parsers := map[string]func(string) error{
		"mode":        func(s string) error { _, err := reconcile.ParseMode(s); return err },
		"symlinkMode": func(s string) error { _, err := scan.ParseSymlinkMode(s); return err },
		"watchMode":   func(s string) error { _, err := local.ParseWatchMode(s); return err },
	}
	for key, values := range keyEnums {
		for _, v := range values {
			_, err := Parse([]byte("sync: {a: {beta: /x, "+key+": "+v+"}}"), FileName, "/p")
			require.NoError(t, err, "%s: %s", key, v)
			if parse := parsers[key]; parse != nil {
				require.NoError(t, parse(v))
			}
		}
	}
	for _, gen := range []func(string) ([]byte, error){ProjectSchema, ConfigSchema} {
		data, err := gen("stamp")
		require.NoError(t, err)
		var s map[string]any
		require.NoError(t, json.Unmarshal(data, &s))
		defs := s["$defs"].(map[string]any)
		for name, def := range defs {
			props := def.(map[string]any)["properties"].(map[string]any)
			section := strings.TrimSuffix(strings.TrimSuffix(name, "Entry"), "Defaults")
			e := &entry{section: section, defaults: strings.HasSuffix(name, "Defaults")}
			require.Len(t, props, len(e.specs()), name)
		}
	}
}

// The schema's pattern for sizes takes what bytesize.Parse takes, and refuses what it refuses.
func TestSchemaSizePattern(t *testing.T) {
	pattern := regexp.MustCompile(kindSchema(keySpec{"maxStagingFileSize", kindSize})["anyOf"].([]any)[1].(map[string]any)["pattern"].(string))
	for _, s := range []string{"100MB", "1.5GiB", "512k", "0", "7 b", " 3 Ti ", "12XB", "1.2.3", "MB", "-5", "5 MB B"} {
		_, err := bytesize.Parse(s)
		require.Equal(t, err == nil, pattern.MatchString(s), "%q: Parse says %v", s, err)
	}
}

// TestSideBlockDefaults: a defaults' configurationBeta reaches the entries without one
// of their own, as a block; an entry's own block replaces it, from any layer.
func TestSideBlockDefaults(t *testing.T) {
	global, err := ParseConfig([]byte(`sync:
  defaults:
    configurationBeta:
      watchMode: force-poll
      defaultOwner: www-data
`), "/etc/global.yml")
	require.NoError(t, err)
	require.Equal(t, &Side{WatchMode: "force-poll", DefaultOwner: "www-data"}, global.SyncDefaults().ConfigurationBeta)
	p, err := ParseWithDefaults([]byte(`sync:
  defaults:
    configurationAlpha:
      defaultGroup: staff
  inherits:
    beta: devbox:~/a
  own:
    beta: devbox:~/b
    configurationBeta:
      defaultFileMode: "0600"
`), FileName, "/p", global)
	require.NoError(t, err)
	inherits, own := p.Sync[0], p.Sync[1]
	require.Equal(t, &Side{WatchMode: "force-poll", DefaultOwner: "www-data"}, inherits.ConfigurationBeta)
	require.Equal(t, &Side{DefaultGroup: "staff"}, inherits.ConfigurationAlpha)
	require.Equal(t, &Side{DefaultFileMode: "0600"}, own.ConfigurationBeta, "the entry's block replaces the defaults' block")
	require.Equal(t, &Side{DefaultGroup: "staff"}, own.ConfigurationAlpha)
}
