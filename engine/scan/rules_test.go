package scan

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ferrysync/ferry/engine/tree"
)

// gitWorkTree is a scratch git repository with a throwaway configuration, so neither
// the user's global excludes nor the system's change what git decides.
type gitWorkTree struct {
	git, root string
	env       []string
}

func newGitWorkTree(t *testing.T) *gitWorkTree {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed (make test installs it)")
	}
	home := t.TempDir()
	w := &gitWorkTree{git: git, root: t.TempDir(), env: append(os.Environ(),
		"HOME="+home, "XDG_CONFIG_HOME="+home, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+filepath.Join(home, "gitconfig"))}
	w.run(t, nil, "init", "-q")
	return w
}

func (w *gitWorkTree) run(t require.TestingT, stdin []byte, args ...string) []byte {
	cmd := exec.Command(w.git, args...)
	cmd.Dir, cmd.Env, cmd.Stdin = w.root, w.env, bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.ExitCode() == 1 && stderr.Len() == 0 {
		err = nil // check-ignore exits 1 when it ignores nothing
	}
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), stderr.String())
	return out
}

// ignored asks git which of paths it ignores, with the source that decides.
func (w *gitWorkTree) ignored(t require.TestingT, paths []string) map[string]string {
	got := map[string]string{}
	if len(paths) == 0 {
		return got
	}
	var in bytes.Buffer
	for _, p := range paths {
		in.WriteString("./" + p + "\x00")
	}
	out := w.run(t, in.Bytes(), "check-ignore", "--no-index", "--verbose", "--non-matching", "-z", "--stdin")
	fields := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	require.Len(t, fields, 4*len(paths), "check-ignore output %q", out)
	for i, p := range paths {
		if pattern := fields[4*i+2]; pattern != "" && pattern[0] != '!' {
			got[p] = filepath.ToSlash(fields[4*i])
		}
	}
	return got
}

// scannedIgnored lists, for each of paths, the ignore file that excludes it in the
// scanned tree: its own ignored entry's, or an ignored ancestor's.
func scannedIgnored(root *tree.Entry, paths []string) map[string]string {
	got := map[string]string{}
	for _, p := range paths {
		for q := p; ; {
			if e := tree.Lookup(root, q); e.Ignored() {
				got[p] = strings.TrimPrefix(e.Problem(), tree.IgnoredPrefix)
				break
			}
			if q, _ = tree.Split(q); q == "" {
				break
			}
		}
	}
	return got
}

// TestGitIgnoreAsTheIssueShowsIt is the tree of the report: a root .gitignore and a
// nested one, whose paths synced though git ignores them.
func TestGitIgnoreAsTheIssueShowsIt(t *testing.T) {
	w := newGitWorkTree(t)
	files := map[string]string{
		".gitignore":         "*.o\n",
		"sub/.gitignore":     "local-only.txt\n*.bak\n!keep.bak\n",
		"sub/x.o":            "x",
		"sub/local-only.txt": "mine",
		"sub/deep/y.bak":     "y",
		"sub/deep/keep.bak":  "kept",
		"sub/main.c":         "int main;",
		"local-only.txt":     "synced: the rule is sub/'s",
	}
	var paths []string
	for p, c := range files {
		write(t, filepath.Join(w.root, p), c)
		paths = append(paths, p)
	}
	write(t, filepath.Join(w.root, ".git/info/exclude"), "main.c\n")
	root, err := New(w.root, Options{GitIgnore: true}).Full()
	require.NoError(t, err)

	want := map[string]string{"sub/x.o": ".gitignore", "sub/local-only.txt": "sub/.gitignore",
		"sub/deep/y.bak": "sub/.gitignore", "sub/main.c": ".git/info/exclude"}
	require.Equal(t, want, w.ignored(t, paths), "the test's expectation is git's")
	require.Equal(t, want, scannedIgnored(root, paths))
	require.Equal(t, uint64(0), tree.Count(root).Untracked, "ignored entries are no problems")
	require.Equal(t, tree.File, tree.Lookup(root, "sub/deep/keep.bak").Kind)

	// Without the option only the root's .ferryignore applies.
	plain, err := New(w.root, Options{}).Full()
	require.NoError(t, err)
	require.Empty(t, scannedIgnored(plain, paths))
	write(t, filepath.Join(w.root, FerryIgnoreFile), "sub/deep/\n")
	plain, err = New(w.root, Options{}).Full()
	require.NoError(t, err)
	require.Equal(t, map[string]string{"sub/deep/y.bak": FerryIgnoreFile, "sub/deep/keep.bak": FerryIgnoreFile},
		scannedIgnored(plain, paths))
}

// Generated trees: a few names, so that rules often match.
var (
	ruleNames    = []string{"a", "b", "x.o", "y.bak", "keep.o", "d", "e"}
	rulePatterns = []string{
		"*.o", "!keep.o", "x.o", "/a", "a/", "d/", "/d/b", "b", "*.bak", "e/*", "!e/b", "**/b",
		"a/**", "d/**/x.o", "[xy].*", "!*.bak", "?", "/e/", "# comment", "", "!d/", "*", "!a",
	}
)

// genRuleTree draws a tree of files and directories and .gitignore files in some of
// its directories (and maybe info/exclude), and lays it out under root.
func genRuleTree(t *rapid.T, root string) []string {
	var paths []string
	var dirs = []string{""}
	for i := 0; i < len(dirs) && len(dirs) < 8; i++ {
		for _, name := range rapid.SliceOfNDistinct(rapid.SampledFrom(ruleNames), 0, 4, func(s string) string { return s }).Draw(t, "names") {
			p := tree.Join(dirs[i], name)
			if strings.Count(p, "/") < 3 && rapid.Bool().Draw(t, "dir") {
				dirs = append(dirs, p)
				require.NoError(t, os.MkdirAll(filepath.Join(root, p), 0o755))
			} else {
				write(t, filepath.Join(root, p), p)
			}
			paths = append(paths, p)
		}
	}
	for _, d := range dirs {
		if rapid.IntRange(0, 2).Draw(t, "has rules") == 0 {
			continue
		}
		rules := rapid.SliceOfN(rapid.SampledFrom(rulePatterns), 1, 4).Draw(t, "rules")
		p := tree.Join(d, GitIgnoreFile)
		write(t, filepath.Join(root, p), strings.Join(rules, "\n")+rapid.SampledFrom([]string{"", "\n", "\r\n"}).Draw(t, "end"))
		paths = append(paths, p)
	}
	exclude := rapid.SliceOfN(rapid.SampledFrom(rulePatterns), 0, 2).Draw(t, "exclude")
	write(t, filepath.Join(root, ".git/info/exclude"), strings.Join(exclude, "\n")+"\n")
	return paths
}

// clearWorkTree removes everything but .git.
func clearWorkTree(t require.TestingT, root string) {
	old, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, e := range old {
		if e.Name() != ".git" {
			require.NoError(t, os.RemoveAll(filepath.Join(root, e.Name())))
		}
	}
	require.NoError(t, os.RemoveAll(filepath.Join(root, ".git/info/exclude")))
}

// TestGitIgnoreAgreesWithGit: on generated trees with .gitignore files at several
// depths and an info/exclude, a scan ignores exactly what `git check-ignore` ignores,
// and names the same file as deciding.
func TestGitIgnoreAgreesWithGit(t *testing.T) {
	w := newGitWorkTree(t)
	rapid.Check(t, func(t *rapid.T) {
		clearWorkTree(t, w.root)
		paths := genRuleTree(t, w.root)
		root, err := New(w.root, Options{GitIgnore: true}).Full()
		require.NoError(t, err)
		require.Equal(t, w.ignored(t, paths), scannedIgnored(root, paths))
	})
}

// TestRescanSeesChangedRules: after ignore files change, a rescan of what the watcher
// would report (the files themselves) finds what a full scan finds.
func TestRescanSeesChangedRules(t *testing.T) {
	w := newGitWorkTree(t)
	rapid.Check(t, func(t *rapid.T) {
		clearWorkTree(t, w.root)
		paths := genRuleTree(t, w.root)
		s := New(w.root, Options{GitIgnore: true})
		_, err := s.Full()
		require.NoError(t, err)
		var dirs []string
		for _, p := range paths {
			if info, err := os.Stat(filepath.Join(w.root, p)); err == nil && info.IsDir() {
				dirs = append(dirs, p)
			}
		}
		changed := map[string]bool{}
		for range rapid.IntRange(1, 3).Draw(t, "edits") {
			d := rapid.SampledFrom(append(dirs, "")).Draw(t, "where")
			p := tree.Join(d, GitIgnoreFile)
			if rapid.Bool().Draw(t, "remove") {
				os.Remove(filepath.Join(w.root, p))
			} else {
				rules := rapid.SliceOfN(rapid.SampledFrom(rulePatterns), 1, 3).Draw(t, "rules")
				write(t, filepath.Join(w.root, p), strings.Join(rules, "\n")+"\n")
			}
			changed[p] = false
		}
		got, err := s.Rescan(changed)
		require.NoError(t, err)
		want, err := New(w.root, Options{GitIgnore: true}).Full()
		require.NoError(t, err)
		require.Equal(t, listing(want), listing(got))
		paths = slices.DeleteFunc(paths, func(p string) bool {
			_, err := os.Lstat(filepath.Join(w.root, p))
			return err != nil
		})
		require.Equal(t, w.ignored(t, paths), scannedIgnored(got, paths))
	})
}

// TestNestedRepositoryHasItsOwnRules: a directory holding a .git starts a repository
// of its own, as git sees it: its parent's .gitignore files stop at it, its own
// info/exclude applies, also through a "gitdir:" file.
func TestNestedRepositoryHasItsOwnRules(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, ".gitignore"), "*.log\ninner-only\n")
	write(t, filepath.Join(root, "outer.log"), "")
	write(t, filepath.Join(root, "inner/.git/info/exclude"), "secret\n")
	write(t, filepath.Join(root, "inner/a.log"), "")
	write(t, filepath.Join(root, "inner/secret"), "")
	write(t, filepath.Join(root, "sub/.git"), "gitdir: ../modules/sub\n")
	write(t, filepath.Join(root, "modules/sub/info/exclude"), "generated\n")
	write(t, filepath.Join(root, "sub/generated"), "")
	write(t, filepath.Join(root, "sub/b.log"), "")
	s := New(root, Options{GitIgnore: true})
	got, err := s.Full()
	require.NoError(t, err)
	paths := []string{"outer.log", "inner/a.log", "inner/secret", "sub/generated", "sub/b.log"}
	want := map[string]string{"outer.log": ".gitignore", "inner/secret": "inner/.git/info/exclude", "sub/generated": "sub/.git/info/exclude"}
	require.Equal(t, want, scannedIgnored(got, paths))

	// A rescan of one path below reads the same rules.
	write(t, filepath.Join(root, "inner/deeper/secret"), "")
	got, err = s.Rescan(map[string]bool{"inner/deeper/secret": false, "sub/b.log": false})
	require.NoError(t, err)
	require.Equal(t, listing(mustFull(t, root)), listing(got))
	require.True(t, tree.Lookup(got, "inner/deeper/secret").Ignored())
}

func mustFull(t *testing.T, root string) *tree.Entry {
	e, err := New(root, Options{GitIgnore: true}).Full()
	require.NoError(t, err)
	return e
}

// TestIgnoreFileIsNotFollowedThroughALink: like git, a symbolic link named .gitignore
// gives no rules.
func TestIgnoreFileIsNotFollowedThroughALink(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "rules"), "*.o\n")
	require.NoError(t, os.Symlink("rules", filepath.Join(root, GitIgnoreFile)))
	write(t, filepath.Join(root, "x.o"), "")
	got, err := New(root, Options{GitIgnore: true}).Full()
	require.NoError(t, err)
	require.Equal(t, tree.File, tree.Lookup(got, "x.o").Kind)
	require.True(t, slices.Contains([]tree.Kind{tree.Symlink}, tree.Lookup(got, GitIgnoreFile).Kind))
}

// listing formats a tree one entry per line, for diffs in failures.
func listing(root *tree.Entry) string {
	var b strings.Builder
	tree.Walk(root, "", func(p string, e *tree.Entry) bool {
		b.WriteString(p + " " + e.Kind.String())
		if e.Kind == tree.Untracked {
			b.WriteString(" (" + e.Problem() + ")")
		}
		b.WriteString("\n")
		return true
	})
	lines := strings.Split(b.String(), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
