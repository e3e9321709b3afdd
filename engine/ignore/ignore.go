package ignore

import (
	"errors"
	"fmt"
	"strings"
)

// VCS holds the patterns --ignore-vcs adds: the metadata directories of
// version control systems.
var VCS = []string{".git/", ".svn/", ".hg/", ".bzr/", "_darcs/", "CVS/"}

// PatternError reports a pattern that Compile cannot use.
type PatternError struct {
	Pattern string // the line as given to Compile
	Reason  string // what is wrong and how to fix it
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("ignore pattern %q: %s", e.Pattern, e.Reason)
}

// Matcher decides whether a path is ignored. Build one with Compile. A nil
// Matcher ignores nothing.
type Matcher struct {
	rules []rule

	// names and exts index the rules that match a base name exactly
	// ("node_modules") or by a suffix starting with a dot ("*.o", keyed by
	// ".o"). Every other rule is in others, by ascending index.
	names     map[string]lastRule
	exts      map[string]lastRule
	maxExtLen int
	others    []int
}

// lastRule is the index of the last rule of a name or extension that
// matches a file, and of the last that matches a directory; -1 for none.
type lastRule struct{ file, dir int }

func (l *lastRule) record(i int, dirOnly bool) {
	l.dir = i
	if !dirOnly {
		l.file = i
	}
}

func (l lastRule) pick(dir bool) int {
	if dir {
		return l.dir
	}
	return l.file
}

// Compile parses patterns, one .gitignore line each. Blank lines and
// comments are skipped. If some patterns are malformed, the error joins one
// *PatternError per malformed pattern.
func Compile(patterns []string) (*Matcher, error) {
	m := &Matcher{}
	var errs []error
	for _, line := range patterns {
		r, ok, err := parseRule(line)
		switch {
		case err != nil:
			errs = append(errs, err)
		case ok:
			m.add(r)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// CompileFile parses the lines of an ignore file (.gitignore, .ferryignore) as git
// does: a malformed line is skipped (git never matches it), and returned among
// the errors so it can be reported.
func CompileFile(lines []string) (*Matcher, []error) {
	m := &Matcher{}
	var errs []error
	for _, line := range lines {
		r, ok, err := parseRule(line)
		switch {
		case err != nil:
			errs = append(errs, err)
		case ok:
			m.add(r)
		}
	}
	return m, errs
}

// add appends r and indexes it.
func (m *Matcher) add(r rule) {
	i := len(m.rules)
	m.rules = append(m.rules, r)
	switch {
	case r.kind == kindExact && !r.anchored:
		m.names = recordIn(m.names, r.lit, i, r.dirOnly)
	case r.kind == kindSuffix && strings.HasPrefix(r.lit, "."):
		m.exts = recordIn(m.exts, r.lit, i, r.dirOnly)
		m.maxExtLen = max(m.maxExtLen, len(r.lit))
	default:
		m.others = append(m.others, i)
	}
}

func recordIn(index map[string]lastRule, key string, i int, dirOnly bool) map[string]lastRule {
	if index == nil {
		index = map[string]lastRule{}
	}
	l, ok := index[key]
	if !ok {
		l = lastRule{file: -1, dir: -1}
	}
	l.record(i, dirOnly)
	index[key] = l
	return index
}

// Ignored reports whether path is ignored: whether the last pattern that
// matches it is not a "!" pattern. dir says whether path is a directory.
// Ignored looks at path alone; see the package doc for ancestors. The root
// ("" or ".") is never ignored.
func (m *Matcher) Ignored(path string, dir bool) bool {
	matched, ignored := m.Decide(path, dir)
	return matched && ignored
}

// Decide reports whether some pattern matches path, and if so whether the last
// one that does ignores it (false for a "!" pattern): a layer of rules that does
// not match leaves the decision to the next layer (see Layered).
func (m *Matcher) Decide(path string, dir bool) (matched, ignored bool) {
	if m == nil || len(m.rules) == 0 || path == "" || path == "." {
		return false, false
	}
	base := path[strings.LastIndexByte(path, '/')+1:]
	last := m.lastIndexed(base, dir)
	for j := len(m.others) - 1; j >= 0 && m.others[j] > last; j-- {
		if i := m.others[j]; m.rules[i].matches(path, base, dir) {
			last = i
			break
		}
	}
	return last >= 0, last >= 0 && !m.rules[last].negate
}

// lastIndexed returns the index of the last rule in names or exts that
// matches base, or -1.
func (m *Matcher) lastIndexed(base string, dir bool) int {
	last := -1
	if len(m.names) > 0 {
		if l, ok := m.names[base]; ok {
			last = l.pick(dir)
		}
	}
	if len(m.exts) > 0 {
		for i := max(0, len(base)-m.maxExtLen); i < len(base); i++ {
			if base[i] != '.' {
				continue
			}
			if l, ok := m.exts[base[i:]]; ok {
				last = max(last, l.pick(dir))
			}
		}
	}
	return last
}
