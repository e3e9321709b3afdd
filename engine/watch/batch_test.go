package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeBackend stands for a native backend, so the shared bookkeeping that every
// backend records through is tested on its own.
type fakeBackend struct {
	reattach_ chan struct{}
	onFlush   func()
}

func (f *fakeBackend) flush() {
	if f.onFlush != nil {
		f.onFlush()
	}
}
func (f *fakeBackend) reattach() error { close(f.reattach_); return nil }
func (f *fakeBackend) close() error    { return nil }

func fakeWatcher(t *testing.T, root string, markers string) (*Watcher, *fakeBackend) {
	t.Helper()
	f := &fakeBackend{reattach_: make(chan struct{})}
	w := &Watcher{root: root, opts: Options{MarkerDir: markers}, native: f,
		notify: make(chan struct{}, 1), done: make(chan struct{}),
		dirty: map[string]bool{}, markers: map[string]chan struct{}{}}
	if markers != "" {
		require.NoError(t, w.prepareMarkers())
	}
	t.Cleanup(func() { w.Close() })
	return w, f
}

func TestRecordMergesBatches(t *testing.T) {
	w, _ := fakeWatcher(t, t.TempDir(), "")
	w.record(batch{dirty: map[string]bool{"a": false, "d": true}})
	w.record(batch{dirty: map[string]bool{"a": true, "d": false, "b": false}})
	<-w.Changes()
	paths, full := w.Take()
	require.False(t, full)
	require.Equal(t, map[string]bool{"a": true, "d": true, "b": false}, paths, "recursive only widens")
	w.record(batch{})
	select {
	case <-w.Changes():
		t.Fatal("an empty batch signals nothing")
	default:
	}
}

// TestBarrierThroughFlush: a backend whose events are only delivered when flushed
// (FSEvents holds them for its latency) still gives a barrier: the marker's event is
// recorded during the flush.
func TestBarrierThroughFlush(t *testing.T) {
	markers := filepath.Join(t.TempDir(), "m")
	w, f := fakeWatcher(t, t.TempDir(), markers)
	var held []string
	f.onFlush = func() {
		entries, _ := os.ReadDir(markers)
		for _, e := range entries {
			held = append(held, e.Name())
		}
		w.record(batch{dirty: map[string]bool{"edited": false}, markers: held})
	}
	require.NoError(t, w.Barrier(context.Background()))
	paths, _ := w.Take()
	require.Contains(t, paths, "edited")
	require.Len(t, held, 1)
}

func TestDroppedReleasesBarriers(t *testing.T) {
	w, _ := fakeWatcher(t, t.TempDir(), filepath.Join(t.TempDir(), "m"))
	name, seen, err := w.placeMarker()
	require.NoError(t, err)
	w.record(batch{dropped: true})
	require.True(t, errors.Is(w.awaitMarker(context.Background(), name, seen), ErrNoBarrier))
	_, full := w.Take()
	require.True(t, full)
}

func TestNoBarrierBackend(t *testing.T) {
	w, _ := fakeWatcher(t, t.TempDir(), filepath.Join(t.TempDir(), "m"))
	w.noBarrier = "no ordering"
	require.ErrorIs(t, w.Barrier(context.Background()), ErrNoBarrier)
}

func TestRootChangedWaitsForTheRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	require.NoError(t, os.Mkdir(root, 0o755))
	w, f := fakeWatcher(t, root, "")

	w.record(batch{rootChanged: true}) // the root is still there: a full rescan only
	_, full := w.Take()
	require.True(t, full)
	require.False(t, w.rootGone)

	require.NoError(t, os.Remove(root))
	w.record(batch{rootChanged: true})
	w.mu.Lock()
	gone := w.rootGone
	w.mu.Unlock()
	require.True(t, gone)
	require.NoError(t, os.Mkdir(root, 0o755))
	<-f.reattach_ // the watcher polls for the root and has the backend watch it again
	for {
		<-w.Changes()
		if _, full := w.Take(); full {
			break
		}
	}
}
