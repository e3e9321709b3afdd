package ignore

import (
	"bytes"
	"strings"
)

// FileLines splits an ignore file (.gitignore, .ferryignore, a file given to
// --ignore-from) into its lines as git does: a UTF-8 byte order mark is dropped and
// lines end at "\n", with a "\r" before it removed.
func FileLines(data []byte) []string {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// Inert reports whether a line of an ignore file is one git skips: empty, only
// spaces, or a comment ("#" first; "\#" is a pattern).
func Inert(line string) bool {
	return strings.Trim(line, " ") == "" || line[0] == '#'
}
