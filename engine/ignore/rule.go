package ignore

import "strings"

// rule is one compiled pattern line.
type rule struct {
	negate   bool // "!": a match re-includes the path
	dirOnly  bool // trailing "/": matches directories only
	anchored bool // has a "/" before its end: matches the whole path, not the base name
	kind     ruleKind
	lit      string // for kindExact and kindSuffix
	glob     glob   // for kindGlob
}

type ruleKind uint8

const (
	kindExact  ruleKind = iota // the subject equals lit
	kindSuffix                 // the subject ends with lit (base names only)
	kindGlob                   // glob matches the subject
)

// parseRule compiles one .gitignore line. ok is false for a line that
// matches nothing: blank, a comment, or empty once its syntax is removed
// ("!", "/").
func parseRule(line string) (r rule, ok bool, err error) {
	p := strings.TrimSuffix(line, "\r")
	if p == "" || p[0] == '#' {
		return rule{}, false, nil
	}
	p = trimTrailingSpaces(p)
	if strings.HasPrefix(p, "!") {
		r.negate = true
		p = p[1:]
	}
	if strings.HasSuffix(p, "/") {
		r.dirOnly = true
		p = p[:len(p)-1]
	}
	r.anchored = strings.Contains(p, "/")
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return rule{}, false, nil
	}
	g, reason := compileGlob(p)
	if reason != "" {
		return rule{}, false, &PatternError{Pattern: line, Reason: reason}
	}
	r.kind, r.lit, r.glob = classify(g, r.anchored)
	return r, true, nil
}

// trimTrailingSpaces removes trailing spaces that no backslash escapes.
func trimTrailingSpaces(s string) string {
	end := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ':
		case '\\':
			i++
			end = min(i+1, len(s))
		default:
			end = i + 1
		}
	}
	return s[:end]
}

// classify picks the cheapest way to match g: a literal compare, a suffix
// compare for "*literal" against a base name, or the glob itself.
func classify(g glob, anchored bool) (ruleKind, string, glob) {
	if len(g) == 1 && g[0].kind == tokLiteral {
		return kindExact, g[0].lit, nil
	}
	if !anchored && g[0].kind.isStar() {
		switch {
		case len(g) == 1:
			return kindSuffix, "", nil
		case len(g) == 2 && g[1].kind == tokLiteral:
			return kindSuffix, g[1].lit, nil
		}
	}
	return kindGlob, "", g
}

// matches reports whether r matches path, whose base name is base.
func (r *rule) matches(path, base string, dir bool) bool {
	if r.dirOnly && !dir {
		return false
	}
	subject := base
	if r.anchored {
		subject = path
	}
	switch r.kind {
	case kindExact:
		return subject == r.lit
	case kindSuffix:
		return strings.HasSuffix(subject, r.lit)
	default:
		return r.glob.match(subject)
	}
}
