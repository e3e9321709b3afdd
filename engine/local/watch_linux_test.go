package local

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/endpoint"
)

// TestWatchSaysWhichWatcher: the endpoint's description names the native watcher, so
// a status (and bench W3) shows what each side used.
func TestWatchSaysWhichWatcher(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	require.NoError(t, os.Mkdir(root, 0o755))
	e, err := Open(root, Options{StagingDir: filepath.Join(dir, "staging"), TrashDir: filepath.Join(dir, "trash")})
	require.NoError(t, err)
	defer e.Close()
	res, err := e.Scan(context.Background(), endpoint.ScanOptions{Full: true})
	require.NoError(t, err)
	require.Equal(t, "watching (inotify)", res.Watch)
	require.Empty(t, res.WatchProblem)
}
