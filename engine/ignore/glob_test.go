package ignore

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestGlobAgreesWithReference checks glob.match, which backtracks only to
// the last star and skips ahead to literals, against matchReference, which
// tries every split.
func TestGlobAgreesWithReference(t *testing.T) {
	atoms := []string{"a", "b", "ab", "/", "/", "*", "*", "**", "**/", "/**", "?", "[ab]", "[!a]"}
	rapid.Check(t, func(t *rapid.T) {
		p := strings.Join(rapid.SliceOfN(rapid.SampledFrom(atoms), 1, 6).Draw(t, "atoms"), "")
		text := rapid.StringMatching(`[ab/]{0,10}`).Draw(t, "text")
		g, reason := compileGlob(p)
		require.Empty(t, reason)
		require.Equal(t, matchReference(g, text), g.match(text), "pattern %q, text %q", p, text)
	})
}

func matchReference(g glob, text string) bool {
	if len(g) == 0 {
		return text == ""
	}
	switch t := g[0]; t.kind {
	case tokLiteral:
		return strings.HasPrefix(text, t.lit) && matchReference(g[1:], text[len(t.lit):])
	case tokAny:
		return text != "" && text[0] != '/' && matchReference(g[1:], text[1:])
	case tokClass:
		return text != "" && t.set.has(text[0]) && matchReference(g[1:], text[1:])
	}
	for k := 0; k <= len(text); k++ {
		absorbed := text[:k]
		switch g[0].kind {
		case tokStar:
			if strings.Contains(absorbed, "/") {
				return false
			}
		case tokDirs:
			if k > 0 && !strings.HasSuffix(absorbed, "/") {
				continue
			}
		}
		if matchReference(g[1:], text[k:]) {
			return true
		}
	}
	return false
}
