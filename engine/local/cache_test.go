package local

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/scan"
)

// openCached opens an endpoint on a root holding a.txt, with a digest cache file, and
// a channel that receives after each background save of the cache.
func openCached(t *testing.T) (e *Endpoint, root, cache string, saved chan struct{}) {
	t.Helper()
	dir := t.TempDir()
	root, cache = filepath.Join(dir, "root"), filepath.Join(dir, "cache")
	require.NoError(t, os.Mkdir(root, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "a.txt"), []byte("one"), 0o644))
	saved = make(chan struct{}, 16)
	e, err := Open(root, Options{Scan: scan.Options{CachePath: cache}, StagingDir: filepath.Join(dir, "staging"),
		TrashDir: filepath.Join(dir, "trash"), Watch: WatchNone, onCacheSaved: func() { saved <- struct{}{} }})
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	return e, root, cache, saved
}

// waitSaved waits for a background save; the bound only turns a missing save into a
// failure instead of a hung test.
func waitSaved(t *testing.T, saved chan struct{}) {
	t.Helper()
	select {
	case <-saved:
	case <-time.After(time.Minute):
		t.Fatal("the digest cache was never saved")
	}
}

// A scan never writes the digest cache itself: with the background save held up, the
// scan returns and no cache file exists; once let go, the save writes it.
func TestScanLeavesTheCacheSaveToTheBackground(t *testing.T) {
	e, _, cache, saved := openCached(t)
	e.saving.Lock() // a save in progress, as a million entries take seconds
	_, err := e.Scan(context.Background(), endpoint.ScanOptions{Full: true})
	require.NoError(t, err)
	require.NoFileExists(t, cache, "the scan saved the cache on its own path")
	e.saving.Unlock()
	waitSaved(t, saved)
	c := scan.LoadCache(cache)
	require.Contains(t, c, "a.txt")
}

// The first scan's digests are saved at once; later ones once the endpoint is quiet.
func TestCacheSavedOnceQuiet(t *testing.T) {
	quiet, interval := cacheSaveQuiet, cacheSaveInterval
	t.Cleanup(func() { cacheSaveQuiet, cacheSaveInterval = quiet, interval })
	cacheSaveQuiet, cacheSaveInterval = 10*time.Millisecond, time.Hour
	e, root, cache, saved := openCached(t)
	ctx := context.Background()
	_, err := e.Scan(ctx, endpoint.ScanOptions{Full: true})
	require.NoError(t, err)
	waitSaved(t, saved)
	before := scan.LoadCache(cache)

	require.NoError(t, os.WriteFile(filepath.Join(root, "b.txt"), []byte("two"), 0o644))
	_, err = e.Scan(ctx, endpoint.ScanOptions{Full: true})
	require.NoError(t, err)
	waitSaved(t, saved)
	after := scan.LoadCache(cache)
	require.NotContains(t, before, "b.txt")
	require.Contains(t, after, "b.txt", "the quiet save has the second scan's digests")
}
