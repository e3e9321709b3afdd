package project

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// FuzzParse: any input either parses into a project that keeps every invariant, or
// fails with an *Error whose problems point inside the file; Parse never panics.
func FuzzParse(f *testing.F) {
	for _, fx := range loadFixtures(f) {
		f.Add(fx.yml)
	}
	f.Add([]byte("sync: {a: {beta: /x, ignore: &i [a], labels: {k: v}}, b: {beta: /y, ignore: *i}}"))
	f.Add([]byte("forward: {a: {source: unix:s.sock, destination: 'h:tcp:[::1]:80', socketMode: 0o600}}"))
	f.Setenv("HOME", "/home/alice")
	const dir = "/home/alice/web"
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, FileName, dir)
		if err == nil {
			checkInvariants(t, p, data)
			return
		}
		var perr *Error
		require.True(t, errors.As(err, &perr), "%T: %v", err, err)
		require.NotEmpty(t, perr.Problems)
		// YAML breaks lines at "\n", "\r\n" and a lone "\r".
		lines := strings.Count(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") + strings.Count(string(data), "\r") -
			strings.Count(string(data), "\r\n") + 2
		for _, pr := range perr.Problems {
			require.NotEmpty(t, pr.Message)
			require.GreaterOrEqual(t, pr.Line, 0)
			require.LessOrEqual(t, pr.Line, lines, "problem %q points past the end of the file", pr.Message)
			if utf8.Valid(data) {
				require.True(t, utf8.ValidString(pr.Message))
			}
		}
	})
}
