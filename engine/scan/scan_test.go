package scan

import (
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/zeebo/xxh3"
	"pgregory.net/rapid"

	"github.com/ferrysync/ferry/engine/ignore"
	"github.com/ferrysync/ferry/engine/tree"
)

func write(t require.TestingT, path, content string) {
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func TestFullScan(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "a.txt"), "hello")
	write(t, filepath.Join(root, "d/e/f.txt"), "deep")
	require.NoError(t, os.Chmod(filepath.Join(root, "a.txt"), 0o755))
	require.NoError(t, os.Symlink("a.txt", filepath.Join(root, "in")))
	require.NoError(t, os.Symlink("../outside", filepath.Join(root, "out")))
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(root, "abs")))
	write(t, filepath.Join(root, "node_modules/x.js"), "x")
	write(t, filepath.Join(root, TempPrefix+"123"), "temporary")
	ln, err := net.Listen("unix", filepath.Join(root, "sock"))
	require.NoError(t, err)
	defer ln.Close()

	m, err := ignore.Compile([]string{"node_modules/"})
	require.NoError(t, err)
	s := New(root, Options{Ignore: m})
	got, err := s.Full()
	require.NoError(t, err)
	a := tree.Lookup(got, "a.txt")
	require.Equal(t, tree.File, a.Kind)
	require.True(t, a.Executable)
	require.Equal(t, Digest([]byte("hello")), a.Digest)
	require.Equal(t, tree.Symlink, tree.Lookup(got, "in").Kind)
	require.Equal(t, tree.Untracked, tree.Lookup(got, "out").Kind, "portable mode refuses links out of the root")
	require.Equal(t, tree.Untracked, tree.Lookup(got, "abs").Kind)
	require.Equal(t, tree.Untracked, tree.Lookup(got, "sock").Kind)
	require.Nil(t, tree.Lookup(got, "node_modules"), "ignored")
	require.Nil(t, tree.Lookup(got, TempPrefix+"123"), "ferry's own temporary files are skipped")
	require.Equal(t, "deep", string(mustRead(t, filepath.Join(root, "d/e/f.txt"))))

	raw := New(root, Options{Symlinks: SymlinksPOSIXRaw})
	got, err = raw.Full()
	require.NoError(t, err)
	require.Equal(t, "/etc/passwd", tree.Lookup(got, "abs").Target)
	ign := New(root, Options{Symlinks: SymlinksIgnore})
	got, err = ign.Full()
	require.NoError(t, err)
	require.Nil(t, tree.Lookup(got, "in"))

	missing := New(filepath.Join(root, "missing"), Options{})
	got, err = missing.Full()
	require.NoError(t, err)
	require.Nil(t, got)
}

func mustRead(t require.TestingT, p string) []byte {
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}

func TestCacheAvoidsRehash(t *testing.T) {
	root := t.TempDir()
	for i := 0; i < 20; i++ {
		write(t, filepath.Join(root, fmt.Sprintf("f%d", i)), fmt.Sprintf("content %d", i))
	}
	cache := filepath.Join(t.TempDir(), "cache")
	s := New(root, Options{CachePath: cache})
	_, err := s.Full()
	require.NoError(t, err)
	require.NoError(t, s.SaveCache())
	// A new scanner loads the cache: nothing is read again.
	s2 := New(root, Options{CachePath: cache})
	w := &walker{s: s2, cache: Cache{}}
	_, err = w.root()
	require.NoError(t, err)
	require.Empty(t, w.pending, "unchanged files must come from the cache")
	// An edited file is read again.
	write(t, filepath.Join(root, "f3"), "changed content")
	w = &walker{s: s2, cache: Cache{}}
	_, err = w.root()
	require.NoError(t, err)
	require.Len(t, w.pending, 1)
}

// TestUnchangedFullScanLeavesTheCacheSaved: a full scan that finds every file as the
// loaded cache has it (a restart on an unchanged tree) has nothing to save; one that
// hashes a file, or no longer finds one, has.
func TestUnchangedFullScanLeavesTheCacheSaved(t *testing.T) {
	root := t.TempDir()
	for i := 0; i < 5; i++ {
		write(t, filepath.Join(root, fmt.Sprintf("f%d", i)), fmt.Sprintf("content %d", i))
	}
	cache := filepath.Join(t.TempDir(), "cache")
	s := New(root, Options{CachePath: cache})
	_, err := s.Full()
	require.NoError(t, err)
	c, _, ok := s.TakeCache()
	require.True(t, ok, "the first scan's digests are to be saved")
	require.NoError(t, c.Save(cache))

	saved := func() bool {
		s := New(root, Options{CachePath: cache})
		_, err := s.Full()
		require.NoError(t, err)
		c, _, ok := s.TakeCache()
		if ok {
			require.NoError(t, c.Save(cache))
		}
		return ok
	}
	require.False(t, saved(), "nothing changed: the cache on disk is the scan's")
	require.NoError(t, os.Remove(filepath.Join(root, "f1")))
	require.True(t, saved(), "a file is gone: its entry leaves the cache")
	require.False(t, saved())
	write(t, filepath.Join(root, "f2"), "changed content")
	require.True(t, saved(), "a file was hashed again")
	require.False(t, saved())
	write(t, filepath.Join(root, "new"), "new content")
	require.True(t, saved(), "a new file was hashed")
}

// TestRescanMatchesFullScan applies random changes to a tree on disk, reports the
// changed paths as the watcher would, and checks that the accelerated rescan equals a
// full scan.
func TestRescanMatchesFullScan(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		root := t.TempDir()
		names := []string{"a", "b", "c"}
		var gen func(dir string, depth int)
		gen = func(dir string, depth int) {
			for _, n := range names {
				switch rapid.IntRange(0, 3).Draw(rt, "kind") {
				case 1:
					write(rt, filepath.Join(dir, n), rapid.SampledFrom([]string{"1", "2"}).Draw(rt, "content"))
				case 2:
					if depth > 0 {
						require.NoError(rt, os.MkdirAll(filepath.Join(dir, n), 0o755))
						gen(filepath.Join(dir, n), depth-1)
					}
				case 3:
					os.Symlink("x", filepath.Join(dir, n))
				}
			}
		}
		gen(root, 2)
		s := New(root, Options{})
		_, err := s.Full()
		require.NoError(rt, err)

		dirty := map[string]bool{}
		for i := rapid.IntRange(0, 6).Draw(rt, "ops"); i > 0; i-- {
			rel := rapid.SampledFrom([]string{"a", "b", "c", "a/a", "a/b", "b/c", "a/a/b", "c/b/a"}).Draw(rt, "path")
			abs := filepath.Join(root, filepath.FromSlash(rel))
			if info, err := os.Stat(filepath.Dir(abs)); err != nil || !info.IsDir() {
				continue
			}
			switch rapid.IntRange(0, 3).Draw(rt, "op") {
			case 0: // write a file (replacing what is there)
				os.RemoveAll(abs)
				write(rt, abs, rapid.SampledFrom([]string{"1", "2", "33"}).Draw(rt, "content"))
				dirty[rel] = true
			case 1: // remove
				os.RemoveAll(abs)
				dirty[rel] = dirty[rel] || false
			case 2: // make a directory with a file in it
				os.RemoveAll(abs)
				write(rt, filepath.Join(abs, "new"), "n")
				dirty[rel] = true
			case 3: // chmod +x an existing file
				if info, err := os.Lstat(abs); err == nil && info.Mode().IsRegular() {
					os.Chmod(abs, 0o755)
					dirty[rel] = dirty[rel] || false
				}
			}
		}
		got, err := s.Rescan(dirty)
		require.NoError(rt, err)
		want, err := New(root, Options{}).Full()
		require.NoError(rt, err)
		require.True(rt, tree.Equal(want, got), "rescan of %v differs from a full scan", dirty)
	})
}

func TestSharedCacheAcrossScanners(t *testing.T) {
	root := t.TempDir()
	for i := 0; i < 10; i++ {
		write(t, filepath.Join(root, fmt.Sprintf("shared%d", i)), fmt.Sprintf("shared content %d", i))
	}
	first := New(root, Options{})
	_, err := first.Full()
	require.NoError(t, err)
	// Another scanner (another session) over the same files reads none of them.
	w := &walker{s: New(root, Options{}), cache: Cache{}}
	_, err = w.root()
	require.NoError(t, err)
	require.Empty(t, w.pending)
	// An edited file is read again.
	write(t, filepath.Join(root, "shared3"), "edited")
	w = &walker{s: New(root, Options{}), cache: Cache{}}
	got, err := w.root()
	require.NoError(t, err)
	require.Len(t, w.pending, 1)
	require.NoError(t, w.finish())
	require.Equal(t, Digest([]byte("edited")), tree.Lookup(got, "shared3").Digest)
}

// Hashing reads through the worker's buffer and hasher: a file costs its open and
// stats, not a fresh copy buffer (which made most of a first scan's garbage).
func TestHashFileReusesItsBuffer(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("ferry "), 50_000) // 300 kB: several reads
	path := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	key := KeyOf(fi)
	buf, h := make([]byte, 128<<10), xxh3.New()

	d, stable, err := hashFile(path, key, buf, h)
	require.NoError(t, err)
	require.True(t, stable)
	require.Equal(t, Digest(data), d)
	_, _, err = hashFile(filepath.Join(dir, "missing"), key, buf, h)
	require.ErrorIs(t, err, fs.ErrNotExist)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 50
	for range n {
		d2, _, err := hashFile(path, key, buf, h)
		require.NoError(t, err)
		require.Equal(t, d, d2, "the reused hasher starts afresh")
	}
	runtime.ReadMemStats(&after)
	require.Less(t, (after.TotalAlloc-before.TotalAlloc)/n, uint64(4<<10), "bytes allocated per file hashed")
}

// TestFileChangingWhileReadIsNotSynced writes a file while the scan reads it: what was
// read may never have been the file's content, so the file must come out untracked
// (never synchronized) and be reported for another read; read again still, it is an
// ordinary file with its final digest. Both in a full scan and a rescan.
func TestFileChangingWhileReadIsNotSynced(t *testing.T) {
	for _, rescan := range []bool{false, true} {
		root := t.TempDir()
		p := filepath.Join(root, "big.bin")
		write(t, p, "first version")
		s := New(root, Options{})
		if rescan {
			_, err := s.Full()
			require.NoError(t, err)
			write(t, p, "second version, longer")
		}
		readHook = func(abs string) {
			if abs == p {
				require.NoError(t, os.WriteFile(p, []byte("written during the read"), 0o644))
			}
		}
		var got *tree.Entry
		var err error
		if rescan {
			got, err = s.Rescan(map[string]bool{"big.bin": false})
		} else {
			got, err = s.Full()
		}
		readHook = nil
		require.NoError(t, err)
		e := tree.Lookup(got, "big.bin")
		require.Equal(t, tree.Untracked, e.Kind, "rescan %v", rescan)
		require.Equal(t, ChangingProblem, e.Problem())
		require.Equal(t, []string{"big.bin"}, s.Changing())

		got, err = s.Rescan(map[string]bool{"big.bin": false})
		require.NoError(t, err)
		e = tree.Lookup(got, "big.bin")
		require.Equal(t, tree.File, e.Kind)
		require.Equal(t, Digest([]byte("written during the read")), e.Digest)
		require.Empty(t, s.Changing())
	}
}
