package project

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/engine/ignore"
	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/engine/reconcile"
	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/url"
)

var update = flag.Bool("update", false, "rewrite the want.json and errors sections of testdata/files/*.txtar")

// fixture is one testdata/files/*.txtar: a ferry.yml, the folder and $HOME it is read
// with (header lines "dir: ..." and "home: ..."), and either the project it describes
// (want.json) or the problems it has (errors).
type fixture struct {
	path      string
	archive   *txtar.Archive
	dir, home string
	yml       []byte
}

func loadFixtures(t testing.TB) []fixture {
	paths, err := filepath.Glob(filepath.Join("testdata", "files", "*.txtar"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	var out []fixture
	for _, p := range paths {
		a, err := txtar.ParseFile(p)
		require.NoError(t, err)
		f := fixture{path: p, archive: a, dir: "/home/alice/web", home: "/home/alice"}
		for _, line := range strings.Split(string(a.Comment), "\n") {
			if v, ok := strings.CutPrefix(line, "dir: "); ok {
				f.dir = v
			}
			if v, ok := strings.CutPrefix(line, "home: "); ok {
				f.home = v
			}
		}
		f.yml = f.section(t, "ferry.yml")
		require.NotNil(t, f.yml, "%s has no ferry.yml section", p)
		out = append(out, f)
	}
	return out
}

func (f fixture) section(t testing.TB, name string) []byte {
	for _, file := range f.archive.Files {
		if file.Name == name {
			return file.Data
		}
	}
	return nil
}

func (f fixture) hasSection(name string) bool {
	for _, file := range f.archive.Files {
		if file.Name == name {
			return true
		}
	}
	return false
}

func (f fixture) set(name string, data []byte) {
	for i := range f.archive.Files {
		if f.archive.Files[i].Name == name {
			f.archive.Files[i].Data = data
		}
	}
}

func TestFiles(t *testing.T) {
	for _, f := range loadFixtures(t) {
		t.Run(strings.TrimSuffix(filepath.Base(f.path), ".txtar"), func(t *testing.T) {
			t.Setenv("HOME", f.home)
			p, err := Parse(f.yml, FileName, f.dir)
			switch {
			case f.hasSection("want.json"):
				require.NoError(t, err, "%s should parse", f.path)
				checkInvariants(t, p, f.yml)
				got, jerr := json.MarshalIndent(p, "", "  ")
				require.NoError(t, jerr)
				got = append(got, '\n')
				if *update {
					f.set("want.json", got)
					require.NoError(t, os.WriteFile(f.path, txtar.Format(f.archive), 0o644))
					return
				}
				require.Equal(t, string(f.section(t, "want.json")), string(got))
			case f.hasSection("errors"):
				require.Error(t, err, "%s should not parse", f.path)
				var perr *Error
				require.True(t, errors.As(err, &perr), "%T", err)
				require.Nil(t, p)
				got := err.Error() + "\n"
				if *update {
					f.set("errors", []byte(got))
					require.NoError(t, os.WriteFile(f.path, txtar.Format(f.archive), 0o644))
					return
				}
				require.Equal(t, string(f.section(t, "errors")), got)
			default:
				t.Fatalf("%s has neither a want.json nor an errors section", f.path)
			}
		})
	}
}

// naming is testdata/naming.json, which the extension's tests read too.
type naming struct {
	LabelProject string `json:"labelProject"`
	LabelDigest  string `json:"labelDigest"`
	Projects     []struct {
		Dir, ID, Prefix string
	} `json:"projects"`
	Sessions []struct {
		Dir, Entry, Name, Selector string
	} `json:"sessions"`
	Digests []struct {
		Text, Digest string
	} `json:"digests"`
}

func TestNaming(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "naming.json"))
	require.NoError(t, err)
	var n naming
	require.NoError(t, json.Unmarshal(data, &n))
	require.Equal(t, LabelProject, n.LabelProject)
	require.Equal(t, LabelDigest, n.LabelDigest)
	require.NotEmpty(t, n.Projects)
	for _, c := range n.Projects {
		require.Equal(t, c.ID, ID(c.Dir), "ID(%q)", c.Dir)
		require.Equal(t, c.Prefix, Prefix(c.Dir), "Prefix(%q)", c.Dir)
		require.LessOrEqual(t, len(c.Prefix)+MaxEntryName, 64, "a prefix leaves room for any entry name")
		require.NoError(t, registry.ValidateName(c.Prefix+"a"))
		require.NoError(t, registry.ValidateLabels(map[string]string{LabelProject: c.ID}))
	}
	for _, c := range n.Sessions {
		require.Equal(t, c.Name, SessionName(c.Dir, c.Entry))
		require.Equal(t, c.Selector, Selector(ID(c.Dir)))
	}
	for _, c := range n.Digests {
		require.Equal(t, c.Digest, Digest([]byte(c.Text)))
		require.NoError(t, registry.ValidateLabels(map[string]string{LabelDigest: c.Digest}))
	}
}

func TestSlug(t *testing.T) {
	for _, c := range []struct{ name, base, want string }{
		{"plain", "web", "web"},
		{"case and spaces", "My Web App", "my-web-app"},
		{"separators at the ends", "__init__", "init"},
		{"leading digit", "9lives", "p-9lives"},
		{"cut at 16 without a trailing dash", "abcdefghijklmno pq", "abcdefghijklmno"},
		{"nothing left", "...", "project"},
		{"non-ASCII letters are separators", "naïve", "na-ve"},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, slug(c.base))
			require.LessOrEqual(t, len(slug(c.base)), maxSlug)
		})
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"alpha", "beta", "ignore", "ignoreVCS", "watchMode"}
	for _, c := range []struct{ name, word, want string }{
		{"plural", "ignores", "ignore"},
		{"case", "ignorevcs", "ignoreVCS"},
		{"typo", "bta", "beta"},
		{"too far", "colour", ""},
	} {
		t.Run(c.name, func(t *testing.T) { require.Equal(t, c.want, closest(c.word, keys)) })
	}
}

// TestKeyTablesMatchModel: the walk and yaml.v3's KnownFields decoding accept the
// same keys.
func TestKeyTablesMatchModel(t *testing.T) {
	tags := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := 0; i < rt.NumField(); i++ {
			out = append(out, rt.Field(i).Tag.Get("yaml"))
		}
		return out
	}
	names := func(section string) []string {
		var out []string
		for _, k := range keyTables[section] {
			out = append(out, k.name)
		}
		return out
	}
	require.Equal(t, topKeys, tags(fileModel{}))
	require.ElementsMatch(t, names(sectionSync), tags(syncModel{}))
	require.ElementsMatch(t, names(sectionForward), tags(forwardModel{}))
	var side []string
	for _, k := range sideKeys {
		side = append(side, k.name)
	}
	require.ElementsMatch(t, side, tags(sideModel{}))
}

func TestParse(t *testing.T) {
	t.Setenv("HOME", "/home/alice")
	for _, c := range []struct {
		name string
		dir  string
		yml  string
		want string // a substring of the error, or "" for success
	}{
		{"relative folder", "web", "sync: {a: {beta: /x}}", "not an absolute path"},
		{"CRLF line ends", "/p", "sync:\r\n  a:\r\n    beta: /x\r\n", ""},
		{"a BOM", "/p", "\ufeffsync: {a: {beta: /x}}", ""},
		{"mode in capitals", "/p", "sync: {a: {beta: /x, mode: Two-Way-Safe}}", `ferry.yml:1: sync "a": mode "Two-Way-Safe" is not a mode`},
		{"a number as a path", "/p", "sync: {a: {alpha: 2024, beta: /x}}", ""},
		{"unknown tag", "/p", "sync: {a: {beta: !weird /x}}", "beta must be a string"},
		{"unknown anchor", "/p", "sync: {a: {beta: *nope}}", "ferry.yml:1: invalid YAML: unknown anchor 'nope' referenced"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.yml), FileName, c.dir)
			if c.want == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, c.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	require.NoError(t, os.MkdirAll(real, 0o755))
	require.NoError(t, os.Symlink(real, filepath.Join(base, "link")))
	canonical, err := filepath.EvalSymlinks(real)
	require.NoError(t, err)

	_, err = Load(filepath.Join(base, "link"))
	require.True(t, IsNoFile(err), "%v", err)
	require.ErrorContains(t, err, "write a ferry.yml there")

	require.NoError(t, os.WriteFile(filepath.Join(real, "ferry.yaml"), []byte("sync: {}"), 0o644))
	_, err = Load(real)
	require.True(t, IsNoFile(err))
	require.ErrorContains(t, err, "found ferry.yaml")

	yml := []byte("sync:\n  code:\n    beta: ../copy\n")
	require.NoError(t, os.WriteFile(filepath.Join(real, FileName), yml, 0o644))
	for _, arg := range []string{filepath.Join(base, "link"), real, filepath.Join(real, FileName), filepath.Join(base, "link", FileName)} {
		p, err := Load(arg)
		require.NoError(t, err, arg)
		require.Equal(t, canonical, p.Dir, "the folder with symbolic links resolved, for %s", arg)
		require.Equal(t, filepath.Join(canonical, FileName), p.File)
		require.Equal(t, ID(canonical), p.ID)
		require.Equal(t, filepath.Join(filepath.Dir(canonical), "copy"), p.Sync[0].Beta)
	}

	// Relative arguments resolve against the working directory; relative paths in the
	// file against the folder.
	t.Chdir(base)
	p, err := Load("link")
	require.NoError(t, err)
	require.Equal(t, canonical, p.Dir)

	require.NoError(t, os.WriteFile(filepath.Join(real, "other.yml"), yml, 0o644))
	_, err = Load(filepath.Join(real, "other.yml"))
	require.ErrorContains(t, err, "is not a folder")

	require.NoError(t, os.WriteFile(filepath.Join(real, FileName), bytes.Repeat([]byte("#"), maxFileSize+1), 0o644))
	_, err = Load(real)
	require.ErrorContains(t, err, "holds at most")

	_, err = Load(filepath.Join(base, "missing"))
	require.Error(t, err)
	require.False(t, IsNoFile(err), "a missing folder is not a folder without a file")
}

// checkInvariants checks what the package documentation promises of a parsed project.
func checkInvariants(t testing.TB, p *Project, data []byte) {
	t.Helper()
	require.Positive(t, p.Entries())
	require.Equal(t, ID(p.Dir), p.ID)
	require.Equal(t, Digest(data), p.Digest)
	names := map[string]bool{}
	checkCommon := func(entry, name string, labels map[string]string) {
		require.Regexp(t, entryNameRE, entry)
		require.Equal(t, SessionName(p.Dir, entry), name)
		require.NoError(t, registry.ValidateName(name))
		require.False(t, names[entry], "entry %s declared once", entry)
		names[entry] = true
		require.NoError(t, registry.ValidateLabels(labels))
		require.Equal(t, p.ID, labels[LabelProject])
		require.Equal(t, p.Digest, labels[LabelDigest])
	}
	for _, s := range p.Sync {
		checkCommon(s.Entry, s.Name, s.Labels)
		for _, raw := range []string{s.Alpha, s.Beta} {
			u, err := url.Parse(raw)
			require.NoError(t, err, raw)
			require.Equal(t, raw, u.String(), "endpoints are normalized")
		}
		_, err := reconcile.ParseMode(s.Mode)
		require.NoError(t, err)
		_, err = scan.ParseSymlinkMode(s.SymlinkMode)
		require.NoError(t, err)
		_, err = local.ParseWatchMode(s.WatchMode)
		require.NoError(t, err)
		_, err = ignore.Compile(s.Ignore)
		require.NoError(t, err)
		require.True(t, s.WatchPollingInterval == 0 || s.WatchPollingInterval >= 0.1)
		require.GreaterOrEqual(t, s.MaxStagingFileSize, int64(0))
		for _, side := range []*Side{s.ConfigurationAlpha, s.ConfigurationBeta} {
			if side == nil {
				continue
			}
			require.NotEqual(t, Side{}, *side, "a side without settings is nil")
			_, err = local.ParseWatchMode(side.WatchMode)
			require.NoError(t, err)
			require.True(t, side.WatchPollingInterval == 0 || side.WatchPollingInterval >= 0.1)
		}
	}
	for _, f := range p.Forward {
		checkCommon(f.Entry, f.Name, f.Labels)
		for _, raw := range []string{f.Source, f.Destination} {
			a, err := forward.ParseAddress(raw, "")
			require.NoError(t, err, "%s is complete (no relative socket path left)", raw)
			require.Equal(t, raw, a.String())
		}
	}
	again, err := Parse(data, p.File, p.Dir)
	require.NoError(t, err)
	require.Equal(t, p, again, "Parse is deterministic")
}
