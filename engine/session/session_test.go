package session

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// newManager returns a manager over a temp data dir, closed at the end of the test.
func newManager(t *testing.T) (*Manager, string) {
	t.Helper()
	data := t.TempDir()
	m, err := NewManager(data, Transports{Local: OpenLocal})
	require.NoError(t, err)
	t.Cleanup(m.Close)
	return m, data
}

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func flush(t *testing.T, m *Manager, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, m.Flush(ctx, Selection{Specs: []string{name}}, false))
}

func state(t *testing.T, m *Manager, name string) State {
	t.Helper()
	states, err := m.List(Selection{Specs: []string{name}})
	require.NoError(t, err)
	require.Len(t, states, 1)
	return states[0]
}

func TestSyncConverges(t *testing.T) {
	m, _ := newManager(t)
	alpha, beta := t.TempDir(), filepath.Join(t.TempDir(), "mirror")
	write(t, filepath.Join(alpha, "a.txt"), "hello")
	write(t, filepath.Join(alpha, "sub/deep/b.txt"), "world")
	require.NoError(t, os.MkdirAll(filepath.Join(alpha, "empty"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(alpha, "run.sh"), []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, os.Symlink("a.txt", filepath.Join(alpha, "link")))

	_, err := m.Create(context.Background(), CreateRequest{Name: "docs", Alpha: alpha, Beta: beta})
	require.NoError(t, err)
	flush(t, m, "docs")

	require.Equal(t, "hello", read(t, filepath.Join(beta, "a.txt")))
	require.Equal(t, "world", read(t, filepath.Join(beta, "sub/deep/b.txt")))
	info, err := os.Stat(filepath.Join(beta, "run.sh"))
	require.NoError(t, err)
	require.NotZero(t, info.Mode()&0o100, "executable bit")
	target, err := os.Readlink(filepath.Join(beta, "link"))
	require.NoError(t, err)
	require.Equal(t, "a.txt", target)
	info, err = os.Stat(filepath.Join(beta, "empty"))
	require.NoError(t, err)
	require.True(t, info.IsDir())

	// Edit on beta, create on alpha, delete on alpha.
	write(t, filepath.Join(beta, "a.txt"), "changed on beta")
	write(t, filepath.Join(alpha, "new.txt"), "new")
	require.NoError(t, os.Remove(filepath.Join(alpha, "sub/deep/b.txt")))
	flush(t, m, "docs")
	require.Equal(t, "changed on beta", read(t, filepath.Join(alpha, "a.txt")))
	require.Equal(t, "new", read(t, filepath.Join(beta, "new.txt")))
	require.NoFileExists(t, filepath.Join(beta, "sub/deep/b.txt"))

	// Conflict.
	write(t, filepath.Join(alpha, "a.txt"), "alpha version")
	write(t, filepath.Join(beta, "a.txt"), "beta version")
	flush(t, m, "docs")
	st := state(t, m, "docs")
	require.Equal(t, 1, st.ConflictCount)
	require.Equal(t, "a.txt", st.Conflicts[0].Path)
	require.Equal(t, "alpha version", read(t, filepath.Join(alpha, "a.txt")))
	require.Equal(t, "beta version", read(t, filepath.Join(beta, "a.txt")))
}
