package ignore

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// These tests compare Matcher with real git: the patterns go into
// .git/info/exclude of a scratch repository, the paths are created in its
// work tree, and `git check-ignore` says which are ignored. git reports a
// path under an ignored directory as ignored, so the comparison uses
// walkIgnored. They skip when git is not installed.

// entry is a path in a scratch work tree.
type entry struct {
	path string
	dir  bool
}

type gitRepo struct {
	git  string
	root string
	env  []string
}

func newGitRepo(t *testing.T) *gitRepo {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	home := t.TempDir()
	r := &gitRepo{git: git, root: t.TempDir(), env: append(os.Environ(),
		"HOME="+home,
		"XDG_CONFIG_HOME="+home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+filepath.Join(home, "gitconfig"),
	)}
	r.run(t, nil, "init", "-q")
	return r
}

func (r *gitRepo) run(t require.TestingT, stdin []byte, args ...string) []byte {
	cmd := exec.Command(r.git, args...)
	cmd.Dir, cmd.Env, cmd.Stdin = r.root, r.env, bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// check-ignore exits 1 when it ignores nothing.
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.ExitCode() == 1 && stderr.Len() == 0 {
		err = nil
	}
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), stderr.String())
	return out
}

// check lays out entries in an emptied work tree, makes patterns the
// repository's excludes and returns, for each entry, the pattern git
// reports as deciding it: "" for none, a leading "!" for a negation.
func (r *gitRepo) check(t require.TestingT, patterns []string, entries []entry) map[string]string {
	old, err := os.ReadDir(r.root)
	require.NoError(t, err)
	for _, e := range old {
		if e.Name() != ".git" {
			require.NoError(t, os.RemoveAll(filepath.Join(r.root, e.Name())))
		}
	}
	for _, e := range entries {
		p := filepath.Join(r.root, filepath.FromSlash(e.path))
		if e.dir {
			require.NoError(t, os.MkdirAll(p, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, nil, 0o644))
	}
	exclude := filepath.Join(r.root, ".git", "info", "exclude")
	require.NoError(t, os.WriteFile(exclude, []byte(strings.Join(patterns, "\n")+"\n"), 0o644))

	var in bytes.Buffer
	for _, e := range entries {
		// "./" keeps a leading ":" from reading as pathspec magic.
		in.WriteString("./" + e.path + "\x00")
	}
	out := r.run(t, in.Bytes(), "check-ignore", "--no-index", "--verbose", "--non-matching", "-z", "--stdin")
	fields := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	// Each path yields source, line, pattern and path, in input order.
	require.Len(t, fields, 4*len(entries), "check-ignore output %q", out)
	decided := map[string]string{}
	for i, e := range entries {
		decided[e.path] = fields[4*i+2]
	}
	return decided
}

func gitIgnores(pattern string) bool { return pattern != "" && pattern[0] != '!' }

// withParents returns e and the directories above it.
func withParents(e entry) []entry {
	var out []entry
	for i := 0; i < len(e.path); i++ {
		if e.path[i] == '/' {
			out = append(out, entry{e.path[:i], true})
		}
	}
	return append(out, e)
}

func TestCasesAgreeWithGit(t *testing.T) {
	repo := newGitRepo(t)
	for _, tc := range ignoreCases {
		if tc.path == "" || tc.path == "." {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			m, err := Compile(tc.patterns)
			require.NoError(t, err)
			decided := repo.check(t, tc.patterns, withParents(entry{tc.path, tc.dir}))
			require.Equal(t, gitIgnores(decided[tc.path]), walkIgnored(m, tc.path, tc.dir),
				"patterns %q, path %q, dir %v: git says %q", tc.patterns, tc.path, tc.dir, decided[tc.path])
		})
	}
}

// TestAgreesWithGit generates small pattern lists and trees and checks
// that Matcher ignores exactly what git ignores.
func TestAgreesWithGit(t *testing.T) {
	repo := newGitRepo(t)
	rapid.Check(t, func(t *rapid.T) {
		patterns := rapid.SliceOfN(genPattern(), 1, 5).Draw(t, "patterns")
		entries := genTree(t)
		m, err := Compile(patterns)
		require.NoError(t, err)
		decided := repo.check(t, patterns, entries)
		for _, e := range entries {
			require.Equal(t, gitIgnores(decided[e.path]), walkIgnored(m, e.path, e.dir),
				"patterns %q, path %q, dir %v: git says %q", patterns, e.path, e.dir, decided[e.path])
		}
	})
}

// TestIndexAgreesWithScan checks the name and extension indexes against
// trying every rule.
func TestIndexAgreesWithScan(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		patterns := rapid.SliceOfN(genPattern(), 1, 12).Draw(t, "patterns")
		m, err := Compile(patterns)
		require.NoError(t, err)
		for _, e := range genTree(t) {
			require.Equal(t, scanIgnored(m, e.path, e.dir), m.Ignored(e.path, e.dir),
				"patterns %q, path %q, dir %v", patterns, e.path, e.dir)
		}
	})
}

// Names and pattern pieces share a small alphabet so that patterns often
// match.
var (
	genNames = []string{"a", "b", "ab", "ba", "aa", "a.o", "b.o", "o.a", "#a", "!a", "a ", "-", "]", "a b"}
	genAtoms = []string{
		"a", "b", "ab", ".o", "o", " ", "-",
		"*", "*", "?", "**",
		"[ab]", "[!a]", "[^b]", "[a-b]", "[]a]", "[a-]", `[\]]`, "[b-a]", "[[:alpha:]]", "[[:]",
		`\a`, `\*`, `\ `, `\#`, `\!`,
	}
)

func genComponent() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		atoms := rapid.SliceOfN(rapid.SampledFrom(genAtoms), 1, 3).Draw(t, "atoms")
		return strings.Join(atoms, "")
	})
}

func genPattern() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		p := strings.Join(rapid.SliceOfN(genComponent(), 1, 3).Draw(t, "components"), "/")
		if rapid.IntRange(0, 3).Draw(t, "lead") == 0 {
			p = "/" + p
		}
		if rapid.IntRange(0, 3).Draw(t, "dironly") == 0 {
			p += "/"
		}
		p += rapid.SampledFrom([]string{"", "", "", " ", "  ", "\r"}).Draw(t, "trail")
		return rapid.SampledFrom([]string{"", "", "", "!", "#", `\!`, `\#`}).Draw(t, "prefix") + p
	})
}

// genTree returns a small tree: every path, its parents first, each
// directory flagged.
func genTree(t *rapid.T) []entry {
	paths := rapid.SliceOfN(rapid.SliceOfN(rapid.SampledFrom(genNames), 1, 3), 1, 8).Draw(t, "paths")
	isDir := map[string]bool{}
	for _, p := range paths {
		for i := range p {
			path := strings.Join(p[:i+1], "/")
			isDir[path] = isDir[path] || i < len(p)-1
		}
	}
	keys := slices.Sorted(maps.Keys(isDir))
	var entries []entry
	for _, k := range keys {
		dir := isDir[k]
		if !dir {
			dir = rapid.Bool().Draw(t, "dir "+k)
		}
		entries = append(entries, entry{k, dir})
	}
	return entries
}
