package trash

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// clock is a test clock: it moves only when told.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestPruneKeepsWithinLimits(t *testing.T) {
	root := t.TempDir()
	b := Open(filepath.Join(t.TempDir(), "bin"), Limits{MaxBytes: 250})
	// A clock that never moves: batches are still told apart, and in order.
	clk := &clock{time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	b.now = clk.now
	for i, content := range []string{"first batch, one hundred bytes......................................................................", "second batch", "third batch"} {
		p := filepath.Join(root, "f")
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		b.Begin()
		require.NoError(t, b.Move("f", p))
		require.NoError(t, b.Prune())
		_ = i
	}
	items, err := b.List()
	require.NoError(t, err)
	require.Len(t, items, 3, "250 bytes hold all three")

	// Lower the limit: the oldest batches go first, the current one stays.
	b.limits.MaxBytes = 20
	p := filepath.Join(root, "g")
	require.NoError(t, os.WriteFile(p, []byte("fourth"), 0o644))
	b.Begin()
	require.NoError(t, b.Move("g", p))
	require.NoError(t, b.Prune())
	items, err = b.List()
	require.NoError(t, err)
	var paths []string
	for _, it := range items {
		paths = append(paths, it.Path)
	}
	require.Equal(t, []string{"g", "f"}, paths, "newest first: the fourth and third batches remain")

	// Age: everything but the current batch goes once older than MaxAge.
	b.limits.MaxAge = time.Hour
	b.limits.MaxBytes = 1 << 30
	b.Begin()
	require.NoError(t, b.Prune())
	items, err = b.List()
	require.NoError(t, err)
	require.Len(t, items, 2, "within the hour, nothing is too old")
	clk.t = clk.t.Add(2 * time.Hour)
	b.Begin()
	require.NoError(t, b.Prune())
	items, err = b.List()
	require.NoError(t, err)
	require.Empty(t, items)
}
