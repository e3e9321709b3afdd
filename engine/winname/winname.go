// Package winname says which names and paths Windows cannot hold faithfully, so the
// Windows side of a session reports them as problems for their path instead of
// writing, or reading, something else: the Win32 layer opens the console for "CON"
// and the null device for "nul.txt", drops trailing dots and spaces ("notes." is
// "notes"), reads "a:b" as the stream "b" of the file "a", and a backslash is a
// separator there.
//
// Invariants:
//   - Pure: the checks read only their arguments (strings in, strings out); they run,
//     and are tested, on every system.
//   - A check returns "" when the name or path is fine, and otherwise a message that
//     names the component and says what to do.
package winname

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// MaxPath is the longest full path, in UTF-16 code units, that Windows programs can
// open without long-path support (MAX_PATH, 260, less the terminating NUL).
const MaxPath = 259

// extendedFrom is the length from which paths handed to the system get the \\?\
// prefix (the Win32 limit for a directory is MAX_PATH less 12, room for an 8.3 name).
const extendedFrom = 248

// reserved are the device names Windows resolves in any directory, with or without
// an extension ("aux.txt" is AUX on most versions), in any case. COM0 and LPT0 and
// the superscript digits are in Microsoft's list too.
var reserved = func() map[string]bool {
	m := map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true}
	for _, d := range []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³"} {
		m["COM"+d], m["LPT"+d] = true, true
	}
	return m
}()

// NameProblem says why Windows cannot hold a file or directory named name, or "".
func NameProblem(name string) string {
	if name == "" {
		return "an empty name"
	}
	for _, r := range name {
		switch {
		case r < 32:
			return fmt.Sprintf("%q: Windows does not allow control characters in names; rename it on the other side", name)
		case strings.ContainsRune(`<>:"/\|?*`, r):
			return fmt.Sprintf("%q: Windows does not allow %q in names; rename it on the other side", name, r)
		}
	}
	if last := name[len(name)-1]; last == '.' || last == ' ' {
		return fmt.Sprintf("%q: Windows drops a trailing dot or space from names, so it would be another name there; rename it on the other side", name)
	}
	if dev := device(name); dev != "" {
		return fmt.Sprintf("%q: %s is a reserved device name on Windows; rename it on the other side", name, dev)
	}
	return ""
}

// device returns the reserved device name that name stands for, or "". Windows
// compares the part before the first dot, with trailing spaces removed, in any case.
func device(name string) string {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	if reserved[base] {
		return base
	}
	return ""
}

// PathProblem says why Windows cannot hold rel (root-relative, '/'-separated) below
// root, or "": a component it cannot name, or, unless longPaths (the system's
// LongPathsEnabled), a full path longer than MaxPath.
func PathProblem(root, rel string, longPaths bool) string {
	for _, c := range strings.Split(rel, "/") {
		if p := NameProblem(c); p != "" {
			return p
		}
	}
	if longPaths {
		return ""
	}
	if n := Length(root, rel); n > MaxPath {
		return fmt.Sprintf("the path would be %d characters long on this Windows side, over the %d that Windows programs can open; enable long paths (LongPathsEnabled) there, or shorten it", n, MaxPath)
	}
	return ""
}

// Length is the length of root joined with rel, in UTF-16 code units, as Windows
// counts it.
func Length(root, rel string) int {
	root = strings.TrimRight(root, `\/`)
	n := len(utf16.Encode([]rune(root)))
	if rel != "" {
		n += 1 + len(utf16.Encode([]rune(rel)))
	}
	return n
}

// ExtendedPath returns abs in the \\?\ form that lifts MAX_PATH for system calls,
// when it is long enough to need it: `C:\x` becomes `\\?\C:\x` and `\\srv\share\x`
// becomes `\\?\UNC\srv\share\x`. That form is not normalized by the system, so
// slashes become backslashes here. Relative and already-extended paths are
// returned as they are.
func ExtendedPath(abs string) string {
	if len(abs) < extendedFrom || strings.HasPrefix(abs, `\\?\`) || strings.HasPrefix(abs, `\\.\`) {
		return abs
	}
	p := strings.ReplaceAll(abs, "/", `\`)
	switch {
	case strings.HasPrefix(p, `\\`):
		return `\\?\UNC\` + p[2:]
	case len(p) >= 3 && p[1] == ':' && p[2] == '\\' && isLetter(p[0]):
		return `\\?\` + p
	}
	return abs
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
