package ignore

import "strings"

// byteSet is a set of bytes: a compiled character class.
type byteSet [4]uint64

func (s *byteSet) add(c byte)      { s[c>>6] |= 1 << (c & 63) }
func (s *byteSet) has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }

func (s *byteSet) addRange(lo, hi byte) {
	for c := int(lo); c <= int(hi); c++ {
		s.add(byte(c))
	}
}

func (s *byteSet) addFunc(in func(c byte) bool) {
	for c := 0; c < 256; c++ {
		if in(byte(c)) {
			s.add(byte(c))
		}
	}
}

const unterminatedClass = "unterminated character class; close it with ], or write \\[ for a literal ["

// parseClass compiles the class that opens at p[i] == '[' and returns it
// with the index after its "]". It follows git's wildmatch: "!" or "^"
// first negates; "]" first is literal; "a-z" is a range, "-" first or last
// is literal; "\" escapes; "[:alpha:]" and the other POSIX names are
// classes within the class. The class never contains "/".
func parseClass(p string, i int) (*byteSet, int, string) {
	var set byteSet
	i++
	negate := i < len(p) && (p[i] == '!' || p[i] == '^')
	if negate {
		i++
	}
	var prev byte    // the last single byte added,
	hasPrev := false // unless a range or a named class came after it
	for first := true; ; first = false {
		if i >= len(p) {
			return nil, 0, unterminatedClass
		}
		c := p[i]
		switch {
		case c == ']' && !first:
			if negate {
				for k := range set {
					set[k] = ^set[k]
				}
			}
			set[0] &^= 1 << '/'
			return &set, i + 1, ""
		case c == '\\':
			if i++; i == len(p) {
				return nil, 0, unterminatedClass
			}
			set.add(p[i])
			prev, hasPrev = p[i], true
		case c == '-' && hasPrev && i+1 < len(p) && p[i+1] != ']':
			i++
			if p[i] == '\\' {
				if i++; i == len(p) {
					return nil, 0, unterminatedClass
				}
			}
			set.addRange(prev, p[i])
			hasPrev = false
		case c == '[' && strings.HasPrefix(p[i+1:], ":"):
			end := strings.IndexByte(p[i+2:], ']')
			if end < 0 {
				return nil, 0, unterminatedClass
			}
			end += i + 2
			if end == i+2 || p[end-1] != ':' {
				// Not "[:name:]": a literal "[".
				set.add('[')
				prev, hasPrev = '[', true
				break
			}
			name := p[i+2 : end-1]
			in, ok := posixClasses[name]
			if !ok {
				return nil, 0, "unknown character class [:" + name + ":]; use one of " + posixNames
			}
			set.addFunc(in)
			hasPrev = false
			i = end
		default:
			set.add(c)
			prev, hasPrev = c, true
		}
		i++
	}
}

// posixClasses are the names git accepts in "[:name:]", over ASCII only,
// as git's own ctype defines them.
var posixClasses = map[string]func(c byte) bool{
	"alnum":  func(c byte) bool { return isAlpha(c) || isDigit(c) },
	"alpha":  isAlpha,
	"blank":  func(c byte) bool { return c == ' ' || c == '\t' },
	"cntrl":  func(c byte) bool { return c < 0x20 || c == 0x7f },
	"digit":  isDigit,
	"graph":  func(c byte) bool { return c > 0x20 && c < 0x7f },
	"lower":  func(c byte) bool { return 'a' <= c && c <= 'z' },
	"print":  func(c byte) bool { return c >= 0x20 && c < 0x7f },
	"punct":  func(c byte) bool { return c > 0x20 && c < 0x7f && !isAlpha(c) && !isDigit(c) },
	"space":  func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' },
	"upper":  func(c byte) bool { return 'A' <= c && c <= 'Z' },
	"xdigit": func(c byte) bool { return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F') },
}

const posixNames = "alnum, alpha, blank, cntrl, digit, graph, lower, print, punct, space, upper, xdigit"

func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
