package ignore

import (
	"errors"
	"strings"
	"testing"
)

// FuzzCompile checks that Compile and Ignored never panic, that Compile
// fails only with *PatternError, and that the indexes agree with trying
// every rule.
func FuzzCompile(f *testing.F) {
	f.Add("*.o\n!keep.o\nbuild/", "build/keep.o", false)
	f.Add("**/tmp/**\n/dist\nnode_modules/", "a/tmp/b", true)
	f.Add("[a-z]*[!0-9]?\n\\#x \\ \n[[:digit:]]", "x/#x  ", false)
	f.Add("a/**/b\n***\n**\\/c", "a/x/b", false)
	f.Add("foo[\n[[:nope:]]\nbar\\", "foo", false)
	f.Fuzz(func(t *testing.T, patterns, path string, dir bool) {
		m, err := Compile(strings.Split(patterns, "\n"))
		if err != nil {
			var pe *PatternError
			if !errors.As(err, &pe) {
				t.Fatalf("Compile error %v is not a *PatternError", err)
			}
			return
		}
		for i := 0; i <= len(path); i++ {
			if i < len(path) && path[i] != '/' {
				continue
			}
			p, d := path[:i], dir || i < len(path)
			if got, want := m.Ignored(p, d), scanIgnored(m, p, d); got != want {
				t.Fatalf("Ignored(%q, %v) = %v, trying every rule gives %v", p, d, got, want)
			}
		}
	})
}
