package ignore

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

type ignoreCase struct {
	name     string
	patterns []string
	path     string
	dir      bool
	want     bool
}

// ignoreCases are checked against Ignored here, and against git in
// TestCasesAgreeWithGit.
var ignoreCases = []ignoreCase{
	// Lines.
	{"no patterns", nil, "a", false, false},
	{"blank line skipped", []string{""}, "a", false, false},
	{"spaces-only line matches nothing", []string{"   "}, "a", false, false},
	{"comment skipped", []string{"#a"}, "#a", false, false},
	{"escaped hash is literal", []string{`\#a`}, "#a", false, true},
	{"hash after start is literal", []string{"a#"}, "a#", false, true},
	{"leading space is significant", []string{" a"}, "a", false, false},
	{"trailing spaces trimmed", []string{"a  "}, "a", false, true},
	{"escaped trailing space kept", []string{`a\ `}, "a ", false, true},
	{"escaped trailing space needs the space", []string{`a\ `}, "a", false, false},
	{"spaces before escaped space kept", []string{`a \ `}, "a  ", false, true},
	{"CRLF line", []string{"a\r"}, "a", false, true},

	// Negation and order.
	{"negation re-includes", []string{"*.o", "!keep.o"}, "keep.o", false, false},
	{"negation leaves others", []string{"*.o", "!keep.o"}, "x.o", false, true},
	{"last match wins", []string{"!keep.o", "*.o"}, "keep.o", false, true},
	{"negation alone ignores nothing", []string{"!a"}, "a", false, false},
	{"bare bang matches nothing", []string{"*", "!"}, "a", false, true},
	{"escaped bang is literal", []string{`\!a`}, "!a", false, true},
	{"negated dir pattern keeps file ignored", []string{"a", "!a/"}, "a", false, true},
	{"negated dir pattern re-includes dir", []string{"a", "!a/"}, "a", true, false},
	{"negation of a glob", []string{"*", "!*.go"}, "x/main.go", false, false},
	{"inside excluded dir, judged alone", []string{"build/", "!build/keep.o"}, "build/keep.o", false, false},

	// Literal names at any depth.
	{"name at root", []string{"a"}, "a", false, true},
	{"name at depth", []string{"a"}, "x/y/a", false, true},
	{"name matches dir", []string{"a"}, "x/a", true, true},
	{"name is whole component", []string{"a"}, "xa", false, false},
	{"name not a prefix", []string{"a"}, "a.o", false, false},
	{"case-sensitive", []string{"a"}, "A", false, false},

	// * and ?.
	{"star suffix", []string{"*.o"}, "x/y.o", false, true},
	{"star suffix needs suffix", []string{"*.o"}, "y.oo", false, false},
	{"star matches empty", []string{"*.o"}, ".o", false, true},
	{"multi-dot suffix", []string{"*.tar.gz"}, "a.b.tar.gz", false, true},
	{"multi-dot suffix mismatch", []string{"*.tar.gz"}, "a.gz", false, false},
	{"non-dot suffix", []string{"*~"}, "a.txt~", false, true},
	{"star alone", []string{"*"}, "x/y", false, true},
	{"star prefix", []string{"a*"}, "x/abc", false, true},
	{"star middle", []string{"a*c"}, "abbc", false, true},
	{"star middle mismatch", []string{"a*c"}, "abcd", false, false},
	{"two stars backtrack", []string{"*a*b"}, "xaxaxb", false, true},
	{"question one byte", []string{"a?c"}, "abc", false, true},
	{"question not empty", []string{"a?c"}, "ac", false, false},
	{"question one byte of UTF-8", []string{"?"}, "é", false, false},
	{"anchored star stays in component", []string{"/a*"}, "ab/c", false, false},
	{"anchored star in component", []string{"/a*"}, "ab", true, true},
	{"anchored question skips slash", []string{"a?b"}, "a/b", false, false},
	{"middle star stays in component", []string{"a/*/c"}, "a/x/y/c", false, false},
	{"middle star one component", []string{"a/*/c"}, "a/x/c", false, true},
	{"star then slash", []string{"*/c"}, "x/c", false, true},
	{"star then slash anchored", []string{"*/c"}, "y/x/c", false, false},
	{"escaped star is literal", []string{`a\*`}, "a*", false, true},
	{"escaped star not wild", []string{`a\*`}, "ab", false, false},

	// Character classes.
	{"class", []string{"[ab]"}, "b", false, true},
	{"class mismatch", []string{"[ab]"}, "c", false, false},
	{"class range", []string{"x[0-9]"}, "x7", false, true},
	{"class range mismatch", []string{"x[0-9]"}, "xa", false, false},
	{"class bang negates", []string{"[!a]"}, "b", false, true},
	{"class bang negates mismatch", []string{"[!a]"}, "a", false, false},
	{"class caret negates", []string{"[^a]"}, "a", false, false},
	{"class bracket first is literal", []string{"[]a]"}, "]", false, true},
	{"class negated bracket first", []string{"[!]a]"}, "]", false, false},
	{"class dash last is literal", []string{"[a-]"}, "-", false, true},
	{"class dash first is literal", []string{"[-a]"}, "-", false, true},
	{"class escaped", []string{`[\]]`}, "]", false, true},
	{"class reversed range keeps its start", []string{"[b-a]"}, "b", false, true},
	{"class reversed range empty", []string{"[c-a]"}, "b", false, false},
	{"class posix digit", []string{"[[:digit:]]x"}, "3x", false, true},
	{"class posix upper", []string{"[[:upper:]]"}, "a", false, false},
	{"class posix lookalike", []string{"[[:]"}, ":", false, true},
	{"class with caret literal", []string{"[a^]"}, "^", false, true},
	{"class never matches slash", []string{"a[!b]c"}, "a/c", false, false},
	{"class suffix", []string{"*.py[co]"}, "m.pyc", false, true},

	// **.
	{"leading double star at root", []string{"**/a"}, "a", false, true},
	{"leading double star at depth", []string{"**/a"}, "x/y/a", false, true},
	{"leading double star then path", []string{"**/a/b"}, "x/a/b", false, true},
	{"leading double star then path mismatch", []string{"**/a/b"}, "a/x/b", false, false},
	{"trailing double star inside", []string{"a/**"}, "a/x/y", false, true},
	{"trailing double star not the dir", []string{"a/**"}, "a", true, false},
	{"middle double star no dirs", []string{"a/**/b"}, "a/b", false, true},
	{"middle double star many dirs", []string{"a/**/b"}, "a/x/y/b", false, true},
	{"middle double star mismatch", []string{"a/**/b"}, "a/xb", false, false},
	{"double star both ends", []string{"**/tmp/**"}, "x/tmp/y/z", false, true},
	{"double star both ends not the dir", []string{"**/tmp/**"}, "x/tmp", true, false},
	{"double star alone", []string{"**"}, "x/y", false, true},
	{"anchored double star alone", []string{"/**"}, "x/y", false, true},
	{"double star glued is one star", []string{"a**b"}, "axxb", false, true},
	{"double star glued stays in component", []string{"x/a**b"}, "x/a/b", false, false},
	{"double star suffix stays in component", []string{"x/**b"}, "x/y/b", false, false},
	{"triple star is double", []string{"***/a"}, "x/y/a", false, true},
	{"double star then escaped slash", []string{`**\/a`}, "x/a", false, true},
	{"double star then escaped slash needs a dir", []string{`**\/a`}, "a", false, false},

	// Anchoring.
	{"leading slash anchors", []string{"/a"}, "a", false, true},
	{"leading slash anchors to root", []string{"/a"}, "x/a", false, false},
	{"middle slash anchors", []string{"a/b"}, "a/b", false, true},
	{"middle slash anchors to root", []string{"a/b"}, "x/a/b", false, false},
	{"anchored is whole path", []string{"a/b"}, "a/b/c", false, false},
	{"anchored glob", []string{"/src/*.go"}, "src/main.go", false, true},
	{"anchored glob depth", []string{"/src/*.go"}, "src/x/main.go", false, false},

	// Directories only.
	{"trailing slash matches dir", []string{"a/"}, "a", true, true},
	{"trailing slash skips file", []string{"a/"}, "a", false, false},
	{"trailing slash unanchored", []string{"a/"}, "x/a", true, true},
	{"trailing slash anchored", []string{"x/a/"}, "x/a", true, true},
	{"trailing slash glob", []string{"*.d/"}, "x/y.d", true, true},
	{"trailing slash glob skips file", []string{"*.d/"}, "x/y.d", false, false},
	{"trailing slash suffix skips file", []string{"*.o/"}, "y.o", false, false},
	{"dir-only then file pattern", []string{"a/", "!a"}, "a", true, false},
	{"double trailing slash matches nothing", []string{"a//"}, "a", true, false},
	{"bare slash matches nothing", []string{"/"}, "a", true, false},

	// The root.
	{"root never ignored", []string{"*"}, ".", true, false},
	{"empty path never ignored", []string{"*"}, "", true, false},
}

func TestIgnored(t *testing.T) {
	for _, tc := range ignoreCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Compile(tc.patterns)
			require.NoError(t, err)
			require.Equal(t, tc.want, m.Ignored(tc.path, tc.dir), "patterns %q, path %q, dir %v", tc.patterns, tc.path, tc.dir)
			require.Equal(t, tc.want, scanIgnored(m, tc.path, tc.dir), "linear scan disagrees")
		})
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pattern string
		want    string
	}{
		{"unterminated class", "foo[", `ignore pattern "foo[": unterminated character class; close it with ], or write \[ for a literal [`},
		{"unterminated negated class", "[!", "unterminated character class"},
		{"bracket first is not a close", "[]", "unterminated character class"},
		{"escape at end of class", `[a\`, "unterminated character class"},
		{"unterminated posix class", "[[:alpha:", "unterminated character class"},
		{"unknown posix class", "[[:word:]]", "unknown character class [:word:]; use one of alnum"},
		{"empty posix class", "[[::]]", "unknown character class [::]"},
		{"trailing backslash", `foo\`, `ignore pattern "foo\\": trailing backslash escapes nothing`},
		{"negated trailing backslash", `!a\`, "trailing backslash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Compile([]string{"ok", tc.pattern})
			require.Nil(t, m)
			require.ErrorContains(t, err, tc.want)
			var pe *PatternError
			require.True(t, errors.As(err, &pe))
			require.Equal(t, tc.pattern, pe.Pattern)
		})
	}
}

func TestCompileReportsEveryBadPattern(t *testing.T) {
	_, err := Compile([]string{"a[", "ok", `b\`})
	require.ErrorContains(t, err, `"a["`)
	require.ErrorContains(t, err, `"b\\"`)
}

func TestNilMatcherIgnoresNothing(t *testing.T) {
	var m *Matcher
	require.False(t, m.Ignored("a", false))
	require.False(t, m.Ignored("a", true))
}

func TestVCS(t *testing.T) {
	m, err := Compile(VCS)
	require.NoError(t, err)
	for _, name := range []string{".git", ".svn", ".hg", ".bzr", "_darcs", "CVS"} {
		require.True(t, m.Ignored(name, true), name)
		require.True(t, m.Ignored("sub/"+name, true), name)
		require.False(t, m.Ignored(name, false), "a file named %s is not VCS metadata", name)
	}
	require.False(t, m.Ignored(".gitignore", false))
}

// TestExcludedDirHidesContents shows what callers see walking top-down: a
// negation cannot re-include a path whose directory is ignored, but it can
// keep the directory itself.
func TestExcludedDirHidesContents(t *testing.T) {
	for _, tc := range []ignoreCase{
		{"dir ignored, file re-included", []string{"build/", "!build/keep.o"}, "build/keep.o", false, true},
		{"contents ignored, file re-included", []string{"build/*", "!build/keep.o"}, "build/keep.o", false, false},
		{"contents ignored, others stay ignored", []string{"build/*", "!build/keep.o"}, "build/x.o", false, true},
		{"ignored dir at depth", []string{"tmp/"}, "a/tmp/b/c", false, true},
		{"everything but src", []string{"/*", "!/src"}, "src/a/b", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Compile(tc.patterns)
			require.NoError(t, err)
			require.Equal(t, tc.want, walkIgnored(m, tc.path, tc.dir))
		})
	}
}

func TestIgnoredDoesNotAllocate(t *testing.T) {
	m, err := Compile(benchPatterns)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		m.Ignored("src/pkg/tmp/x/main.tar.gz", false)
		m.Ignored("a/node_modules", true)
	})
	require.Zero(t, allocs)
}

// walkIgnored is Ignored as a top-down walk sees it: path is ignored when
// it or any directory above it is.
func walkIgnored(m *Matcher, path string, dir bool) bool {
	for i := 0; i < len(path); i++ {
		if path[i] == '/' && m.Ignored(path[:i], true) {
			return true
		}
	}
	return m.Ignored(path, dir)
}

// scanIgnored is Ignored without the name and extension indexes: it tries
// every rule from the last.
func scanIgnored(m *Matcher, path string, dir bool) bool {
	if path == "" || path == "." {
		return false
	}
	base := path
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			base = path[i+1:]
			break
		}
	}
	for i := len(m.rules) - 1; i >= 0; i-- {
		if m.rules[i].matches(path, base, dir) {
			return !m.rules[i].negate
		}
	}
	return false
}
