package ssh

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestAppendLine(t *testing.T) {
	tests := []struct {
		name   string
		before *string // nil: no file (and no directory)
		want   string
	}{
		{"creates directory and file", nil, "new\n"},
		{"appends", ptr("a\n"), "a\nnew\n"},
		{"adds a missing newline first", ptr("a"), "a\nnew\n"},
		{"empty file", ptr(""), "new\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "home", ".ssh")
			file := filepath.Join(dir, "known_hosts")
			if tt.before != nil {
				require.NoError(t, os.MkdirAll(dir, 0o755))
				require.NoError(t, os.WriteFile(file, []byte(*tt.before), 0o644))
			}
			require.NoError(t, appendLine(file, "new\n"))
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			require.Equal(t, tt.want, string(data))
			if tt.before == nil {
				st, err := os.Stat(dir)
				require.NoError(t, err)
				require.Equal(t, os.FileMode(0o700), st.Mode().Perm())
				st, err = os.Stat(file)
				require.NoError(t, err)
				require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestLineRef(t *testing.T) {
	t.Setenv("HOME", "/home/me")
	k := func(file string, line int) knownhosts.KnownKey {
		return knownhosts.KnownKey{Filename: file, Line: line}
	}
	tests := []struct {
		name string
		keys []knownhosts.KnownKey
		want string
	}{
		{"one", []knownhosts.KnownKey{k("/home/me/.ssh/known_hosts", 12)}, "~/.ssh/known_hosts line 12"},
		{"two in one file", []knownhosts.KnownKey{k("/home/me/.ssh/known_hosts", 3), k("/home/me/.ssh/known_hosts", 7)}, "~/.ssh/known_hosts lines 3, 7"},
		{"two files", []knownhosts.KnownKey{k("/home/me/.ssh/known_hosts", 3), k("/etc/ssh/ssh_known_hosts", 1)}, "~/.ssh/known_hosts line 3; /etc/ssh/ssh_known_hosts line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, lineRef(tt.keys))
		})
	}
}
