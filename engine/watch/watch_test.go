package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/ignore"
)

func start(t *testing.T, root string, opts Options) *Watcher {
	t.Helper()
	w, err := Start(root, opts)
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	return w
}

// take waits for the watcher's notification and returns what it reports.
func take(t *testing.T, w *Watcher) (map[string]bool, bool) {
	t.Helper()
	select {
	case <-w.Changes():
	case <-time.After(time.Minute):
		t.Fatal("no notification")
	}
	return w.Take()
}

func TestReportsChangedPaths(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "d"), 0o755))
	w := start(t, root, Options{MarkerDir: filepath.Join(t.TempDir(), "m")})
	_, full := take(t, w)
	require.True(t, full, "the first report asks for a full scan")

	require.NoError(t, os.WriteFile(filepath.Join(root, "d", "f.txt"), []byte("x"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "new", "deep"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "new", "deep", "g.txt"), []byte("y"), 0o644))
	require.NoError(t, w.Barrier(context.Background()))
	paths, full := w.Take()
	require.False(t, full)
	require.Contains(t, paths, "d/f.txt")
	require.True(t, paths["new"], "a new directory is reported recursively, as events inside it may precede its watch")
}

// TestBarrierSeesEverythingBefore delays every event (the test seam) and checks that
// Barrier still returns only once every earlier change is recorded: without the
// barrier, Take right after the writes would miss them.
func TestBarrierSeesEverythingBefore(t *testing.T) {
	root := t.TempDir()
	w := start(t, root, Options{MarkerDir: filepath.Join(t.TempDir(), "m"), EventDelay: 20 * time.Millisecond})
	require.NoError(t, w.Barrier(context.Background()))
	w.Take() // the initial full scan
	for round := range 5 {
		var names []string
		for i := range 3 {
			name := filepath.Join("r", string(rune('a'+round)), string(rune('0'+i)))
			names = append(names, name)
			require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte("x"), 0o644))
		}
		require.NoError(t, w.Barrier(context.Background()))
		paths, full := w.Take()
		require.False(t, full)
		covered := func(p string) bool {
			for q := p; ; q = filepath.Dir(q) {
				if _, ok := paths[q]; ok {
					return true
				}
				if q == "." || q == "/" {
					return false
				}
			}
		}
		for _, n := range names {
			require.True(t, covered(n), "round %d: %s missing from %v", round, n, paths)
		}
	}
}

func TestBarrierWithoutMarkers(t *testing.T) {
	w := start(t, t.TempDir(), Options{})
	require.ErrorIs(t, w.Barrier(context.Background()), ErrNoBarrier)
}

func TestBarrierCancelled(t *testing.T) {
	w := start(t, t.TempDir(), Options{MarkerDir: filepath.Join(t.TempDir(), "m"), EventDelay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, w.Barrier(ctx), context.Canceled)
}

func TestIgnoredPathsAreNotReported(t *testing.T) {
	root := t.TempDir()
	m, err := ignore.Compile([]string{"build/", "*.o"})
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(root, "build"), 0o755))
	w := start(t, root, Options{Ignore: m, MarkerDir: filepath.Join(t.TempDir(), "m")})
	require.NoError(t, w.Barrier(context.Background()))
	w.Take()
	require.NoError(t, os.WriteFile(filepath.Join(root, "build", "out"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "x.o"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "kept.c"), []byte("x"), 0o644))
	require.NoError(t, w.Barrier(context.Background()))
	paths, _ := w.Take()
	require.Len(t, paths, 1, "%v", paths)
	require.Contains(t, paths, "kept.c")
}

func TestRootLossAsksForFullScan(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	require.NoError(t, os.Mkdir(root, 0o755))
	w := start(t, root, Options{MarkerDir: filepath.Join(t.TempDir(), "m")})
	require.NoError(t, w.Barrier(context.Background()))
	w.Take()
	require.NoError(t, os.RemoveAll(root))
	require.NoError(t, w.Barrier(context.Background()))
	_, full := w.Take()
	require.True(t, full)
	// The root comes back: the watcher notices (it polls for it) and asks for a full
	// scan once it watches it again.
	require.NoError(t, os.Mkdir(root, 0o755))
	for {
		if _, full := take(t, w); full {
			break
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, "back.txt"), []byte("x"), 0o644))
	require.NoError(t, w.Barrier(context.Background()))
	paths, _ := w.Take()
	require.Contains(t, paths, "back.txt")
}

func TestOverflowReleasesBarriers(t *testing.T) {
	w := start(t, t.TempDir(), Options{MarkerDir: filepath.Join(t.TempDir(), "m"), EventDelay: time.Hour})
	name, seen, err := w.placeMarker()
	require.NoError(t, err)
	// An overflow, as the run loop handles fsnotify's: the marker's event may be lost.
	w.mu.Lock()
	w.full = true
	w.releaseMarkers()
	w.mu.Unlock()
	err = w.awaitMarker(context.Background(), name, seen)
	require.True(t, errors.Is(err, ErrNoBarrier), "%v", err)
	w.dropMarker(name)
	_, full := w.Take()
	require.True(t, full)
}
