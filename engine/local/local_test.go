package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/tree"
)

// TestScanSeesOwnTransitionAtOnce checks that a scan right after a transition includes
// what the transition wrote, before the watcher reports it: a file missing from that
// scan would look like a deletion and be propagated.
func TestScanSeesOwnTransitionAtOnce(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	require.NoError(t, os.Mkdir(root, 0o755))
	e, err := Open(root, Options{StagingDir: filepath.Join(dir, "staging"), TrashDir: filepath.Join(dir, "trash")})
	require.NoError(t, err)
	defer e.Close()
	ctx := context.Background()
	_, err = e.Scan(ctx, endpoint.ScanOptions{Full: true})
	require.NoError(t, err)
	for i := 0; i < 50; i++ {
		content := fmt.Sprintf("file %d", i)
		f := tree.NewFile(int64(len(content)), scan.Digest([]byte(content)), false)
		needed, err := e.Stage(ctx, []endpoint.StageFile{{Path: "x", Digest: f.Digest, Size: f.Size}}, false)
		require.NoError(t, err)
		r, err := e.Receiver(ctx)
		require.NoError(t, err)
		for j := range needed {
			require.NoError(t, r.Begin(j))
			require.NoError(t, r.Op(delta.Op{Kind: delta.OpData, Data: []byte(content)}))
			require.NoError(t, r.End())
		}
		_, err = r.Close()
		require.NoError(t, err)
		p := fmt.Sprintf("f%02d", i)
		_, problems, err := e.Transition(ctx, []tree.Change{{Path: p, New: f}})
		require.NoError(t, err)
		require.Empty(t, problems)
		res, err := e.Scan(ctx, endpoint.ScanOptions{})
		require.NoError(t, err)
		require.NotNil(t, tree.Lookup(res.Root, p), "the scan right after the transition misses %s", p)
	}
}
