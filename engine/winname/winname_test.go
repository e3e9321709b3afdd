package winname

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNameProblem(t *testing.T) {
	for _, tc := range []struct {
		name string
		want string // a fragment of the problem; "" for none
	}{
		{"main.go", ""},
		{"README", ""},
		{".gitignore", ""},
		{"con.d", "CON is a reserved device name"},
		{"CON", "CON is a reserved device name"},
		{"aux.txt", "AUX is a reserved device name"},
		{"NUL.txt", "NUL is a reserved device name"},
		{"nul.tar.gz", "NUL is a reserved device name"},
		{"Com1", "COM1 is a reserved device name"},
		{"lpt9.log", "LPT9 is a reserved device name"},
		{"COM¹", "COM¹ is a reserved device name"},
		{"nul .txt", "NUL is a reserved device name"},
		{"conin$", "CONIN$ is a reserved device name"},
		{"console", ""},
		{"auxiliary.txt", ""},
		{"com10", ""},
		{"nul_", ""},
		{"notes.", "trailing dot or space"},
		{"notes ", "trailing dot or space"},
		{"...", "trailing dot or space"},
		{" leading space", ""},
		{"a:b", `':'`},
		{`back\slash`, `'\\'`},
		{"what?", `'?'`},
		{"star*", `'*'`},
		{`quote"`, `'"'`},
		{"pipe|", `'|'`},
		{"<tag>", `'<'`},
		{"tab\there", "control characters"},
		{"café", ""},
		{"日本語.txt", ""},
	} {
		got := NameProblem(tc.name)
		if tc.want == "" {
			require.Empty(t, got, tc.name)
			continue
		}
		require.Contains(t, got, tc.want, tc.name)
		require.Contains(t, got, "rename it on the other side", tc.name)
	}
}

func TestPathProblem(t *testing.T) {
	root := `C:\Users\dev\proj`
	require.Empty(t, PathProblem(root, "src/main.go", false))
	require.Contains(t, PathProblem(root, "src/aux.c/x", false), "AUX")
	require.Contains(t, PathProblem(root, "docs./x", false), "trailing dot")

	// MaxPath counts the whole path: root, separator and rel.
	fits := strings.Repeat("a", MaxPath-len(root)-1)
	require.Empty(t, PathProblem(root, fits, false))
	require.Contains(t, PathProblem(root, fits+"b", false), "260 characters long")
	require.Empty(t, PathProblem(root, fits+"b", true), "long paths enabled")
	require.Contains(t, PathProblem(root, fits+"b/nul", true), "NUL", "names are checked with long paths too")

	// UTF-16 units, not bytes: é is one unit, 😀 is two.
	require.Equal(t, len(root)+1+4, Length(root, "café"))
	require.Equal(t, len(root)+1+2, Length(root, "😀"))
	require.Equal(t, len(root), Length(root+`\`, ""))
}

func TestExtendedPath(t *testing.T) {
	long := strings.Repeat(`d\`, 130) + "f.txt"
	for _, tc := range []struct{ in, want string }{
		{`C:\short`, `C:\short`},
		{`C:\` + long, `\\?\C:\` + long},
		{`C:/` + strings.ReplaceAll(long, `\`, "/"), `\\?\C:\` + long},
		{`\\server\share\` + long, `\\?\UNC\server\share\` + long},
		{`\\?\C:\` + long, `\\?\C:\` + long},
		{long, long},
	} {
		require.Equal(t, tc.want, ExtendedPath(tc.in))
	}
}
