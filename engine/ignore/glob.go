package ignore

import "strings"

// A glob is a compiled wildcard pattern, matched with git's wildmatch
// semantics under WM_PATHNAME: only "**" crosses a "/".
type glob []token

type token struct {
	kind tokenKind
	lit  string   // for tokLiteral; for tokDirs, "/" and the literal after it
	set  *byteSet // for tokClass
}

type tokenKind uint8

const (
	tokLiteral tokenKind = iota // lit itself
	tokAny                      // "?": one byte other than /
	tokClass                    // "[...]": one byte in set, never /
	tokStar                     // "*": any run of bytes without /
	tokDeep                     // "**" alone or ending the pattern: any run of bytes
	tokDirs                     // "**/": nothing, or any run of bytes ending in /
)

func (k tokenKind) isStar() bool { return k == tokStar || k == tokDeep || k == tokDirs }

// compileGlob compiles p. It returns a reason, not an error, when p is
// malformed; the caller names the pattern.
func compileGlob(p string) (glob, string) {
	var g glob
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			g = append(g, token{kind: tokLiteral, lit: string(lit)})
			lit = lit[:0]
		}
	}
	for i := 0; i < len(p); {
		switch c := p[i]; c {
		case '\\':
			if i+1 == len(p) {
				return nil, `trailing backslash escapes nothing; remove it, or write \\ for a literal backslash`
			}
			lit = append(lit, p[i+1])
			i += 2
		case '?':
			flush()
			g = append(g, token{kind: tokAny})
			i++
		case '[':
			set, next, reason := parseClass(p, i)
			if reason != "" {
				return nil, reason
			}
			flush()
			g = append(g, token{kind: tokClass, set: set})
			i = next
		case '*':
			flush()
			var t tokenKind
			t, i = parseStars(p, i)
			g = append(g, token{kind: t})
		default:
			lit = append(lit, c)
			i++
		}
	}
	flush()
	for i := range g {
		if g[i].kind == tokDirs {
			g[i].lit = "/"
			if i+1 < len(g) && g[i+1].kind == tokLiteral {
				g[i].lit += g[i+1].lit
			}
		}
	}
	return g, ""
}

// parseStars reads the run of "*" at p[i] and returns its token and the
// index after it. As in git, "**" is special only as a whole path
// component; elsewhere it is a plain "*".
func parseStars(p string, i int) (tokenKind, int) {
	start := i
	for i < len(p) && p[i] == '*' {
		i++
	}
	if i-start == 1 || (start > 0 && p[start-1] != '/') {
		return tokStar, i
	}
	switch {
	case i == len(p):
		return tokDeep, i
	case p[i] == '/':
		return tokDirs, i + 1
	case strings.HasPrefix(p[i:], `\/`):
		// git lets "**" cross slashes here but does not let it match
		// nothing, so it is not tokDirs.
		return tokDeep, i
	}
	return tokStar, i
}

// match reports whether g matches all of text. It backtracks only to the
// last star, and past a "/" only to the last "**": a later star can absorb
// whatever an earlier one would, so the cost is O(len(g)*len(text)).
func (g glob) match(text string) bool {
	pi, ti := 0, 0
	starP, starT := -1, 0 // after the last "*": next token, text position
	deepP, deepT := -1, 0 // the same for the last "**"
	for {
		if pi < len(g) {
			switch t := &g[pi]; t.kind {
			case tokLiteral:
				if strings.HasPrefix(text[ti:], t.lit) {
					pi, ti = pi+1, ti+len(t.lit)
					continue
				}
			case tokAny:
				if ti < len(text) && text[ti] != '/' {
					pi, ti = pi+1, ti+1
					continue
				}
			case tokClass:
				if ti < len(text) && t.set.has(text[ti]) {
					pi, ti = pi+1, ti+1
					continue
				}
			case tokStar:
				pi++
				starP, starT = pi, ti
				continue
			case tokDeep, tokDirs:
				pi++
				deepP, deepT = pi, ti
				starP = -1
				continue
			}
		} else if ti == len(text) {
			return true
		}
		// Mismatch: let the last star absorb more, else the last "**".
		if starP >= 0 {
			if t, ok := g.advanceStar(text, starP, starT); ok {
				starT = t
				pi, ti = starP, t
				continue
			}
			starP = -1
		}
		if deepP >= 0 {
			if t, ok := g.advanceDeep(text, deepP, deepT); ok {
				deepT = t
				pi, ti = deepP, t
				continue
			}
		}
		return false
	}
}

// advanceStar returns where the text after a "*" that matched up to t may
// resume next: past at least one more byte, none of them "/", and at the
// next place the literal after the star (g[next]) occurs.
func (g glob) advanceStar(text string, next, t int) (int, bool) {
	if t >= len(text) || text[t] == '/' {
		return 0, false
	}
	t++
	if next < len(g) && g[next].kind == tokLiteral {
		k := strings.Index(text[t:], g[next].lit)
		if k < 0 || strings.IndexByte(text[t:t+k], '/') >= 0 {
			return 0, false
		}
		t += k
	}
	return t, true
}

// advanceDeep is advanceStar for the "**" or "**/" at g[next-1], which
// absorb "/" too. A "**/" resumes just past the "/" of the next occurrence
// of its lit: a "/" and the literal after the "**/".
func (g glob) advanceDeep(text string, next, t int) (int, bool) {
	if t >= len(text) {
		return 0, false
	}
	if deep := &g[next-1]; deep.kind == tokDirs {
		k := strings.Index(text[t:], deep.lit)
		return t + k + 1, k >= 0
	}
	lit := ""
	if next < len(g) && g[next].kind == tokLiteral {
		lit = g[next].lit
	}
	k := strings.Index(text[t+1:], lit)
	return t + 1 + k, k >= 0
}
