package transition

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/stage"
	"github.com/ferrysync/ferry/engine/trash"
	"github.com/ferrysync/ferry/engine/tree"
)

// fixture is a root with a scanner, a staging area and a transitioner.
type fixture struct {
	t    *testing.T
	root string
	sc   *scan.Scanner
	area *stage.Area
	bin  *trash.Bin
	tr   *Transitioner
}

func newFixture(t *testing.T, files map[string]string) *fixture {
	root := t.TempDir()
	for p, content := range files {
		write(t, filepath.Join(root, p), content)
	}
	sc := scan.New(root, scan.Options{})
	area := stage.NewArea(filepath.Join(t.TempDir(), "staging"), sc.Abs)
	bin := trash.Open(filepath.Join(t.TempDir(), "trash"), trash.Limits{})
	f := &fixture{t: t, root: root, sc: sc, area: area, bin: bin, tr: New(sc, area, bin, PortablePermissions)}
	f.scan()
	return f
}

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func (f *fixture) scan() *tree.Entry {
	root, err := f.sc.Full()
	require.NoError(f.t, err)
	return root
}

// stageContent stages content through the receiver, as a transfer would.
func (f *fixture) stageContent(content string) *tree.Entry {
	e := tree.NewFile(int64(len(content)), scan.Digest([]byte(content)), false)
	needed, err := f.area.Stage(context.Background(), []endpoint.StageFile{{Path: "x", Digest: e.Digest, Size: e.Size}}, nil, false)
	require.NoError(f.t, err)
	if len(needed) == 1 {
		r, err := f.area.Receiver()
		require.NoError(f.t, err)
		require.NoError(f.t, r.Begin(0))
		if content != "" {
			require.NoError(f.t, r.Op(delta.Op{Kind: delta.OpData, Data: []byte(content)}))
		}
		require.NoError(f.t, r.End())
		problems, err := r.Close()
		require.NoError(f.t, err)
		require.Empty(f.t, problems)
	}
	return e
}

func (f *fixture) read(p string) string {
	b, err := os.ReadFile(filepath.Join(f.root, p))
	require.NoError(f.t, err)
	return string(b)
}

func TestEditBetweenScanAndTransitionSurvives(t *testing.T) {
	f := newFixture(t, map[string]string{"a.txt": "original"})
	old := tree.Lookup(f.scan(), "a.txt")
	incoming := f.stageContent("from the other side")

	// The user saves an edit after the scan, before the transition.
	time.Sleep(10 * time.Millisecond) // a distinct mtime is not needed (size differs), but real editors take time
	write(t, filepath.Join(f.root, "a.txt"), "edited after the scan")

	results, problems := f.tr.Apply(context.Background(), []tree.Change{{Path: "a.txt", Old: old, New: incoming}})
	require.Equal(t, "edited after the scan", f.read("a.txt"), "the edit must survive")
	require.Len(t, problems, 1)
	require.Contains(t, problems[0].Error, "modified since the scan")
	require.Same(t, old, results[0], "the result is what the scan saw, so the ancestor keeps it")
}

func TestSameSizeSameMtimeEditDetected(t *testing.T) {
	f := newFixture(t, map[string]string{"a.txt": "aaaa"})
	old := tree.Lookup(f.scan(), "a.txt")
	info, err := os.Stat(filepath.Join(f.root, "a.txt"))
	require.NoError(t, err)
	incoming := f.stageContent("bbbb")
	// Same size, mtime restored: the inode change (rename-replace, as editors save)
	// still gives it away.
	tmp := filepath.Join(f.root, "tmp")
	write(t, tmp, "cccc")
	require.NoError(t, os.Chtimes(tmp, info.ModTime(), info.ModTime()))
	require.NoError(t, os.Rename(tmp, filepath.Join(f.root, "a.txt")))

	_, problems := f.tr.Apply(context.Background(), []tree.Change{{Path: "a.txt", Old: old, New: incoming}})
	require.Equal(t, "cccc", f.read("a.txt"))
	require.Len(t, problems, 1)
}

func TestCreationNeverClobbers(t *testing.T) {
	f := newFixture(t, nil)
	incoming := f.stageContent("incoming")
	write(t, filepath.Join(f.root, "new.txt"), "created locally after the scan")
	results, problems := f.tr.Apply(context.Background(), []tree.Change{{Path: "new.txt", New: incoming}})
	require.Equal(t, "created locally after the scan", f.read("new.txt"))
	require.Len(t, problems, 1)
	require.Nil(t, results[0])
}

func TestDeletionKeepsChangedChild(t *testing.T) {
	f := newFixture(t, map[string]string{"d/keep": "1", "d/gone": "1"})
	old := tree.Lookup(f.scan(), "d")
	write(t, filepath.Join(f.root, "d/keep"), "edited")
	results, problems := f.tr.Apply(context.Background(), []tree.Change{{Path: "d", Old: old}})
	require.Equal(t, "edited", f.read("d/keep"))
	require.NoFileExists(t, filepath.Join(f.root, "d/gone"))
	require.NotEmpty(t, problems)
	require.NotNil(t, tree.Lookup(results[0], "keep"), "the result keeps what remains")
	require.Nil(t, tree.Lookup(results[0], "gone"))
}

func TestDeletionLeavesNewContentInDirectory(t *testing.T) {
	f := newFixture(t, map[string]string{"d/a": "1"})
	old := tree.Lookup(f.scan(), "d")
	write(t, filepath.Join(f.root, "d/new"), "appeared after the scan")
	results, problems := f.tr.Apply(context.Background(), []tree.Change{{Path: "d", Old: old}})
	require.Equal(t, "appeared after the scan", f.read("d/new"))
	require.NotEmpty(t, problems)
	require.NotNil(t, results[0])
}

func TestReplaceAndCreate(t *testing.T) {
	f := newFixture(t, map[string]string{"a.txt": "old"})
	old := tree.Lookup(f.scan(), "a.txt")
	incoming := f.stageContent("new")
	exec := tree.NewFile(incoming.Size, incoming.Digest, true)
	dir := tree.NewDir(map[string]*tree.Entry{"one": incoming, "two": exec, "l": tree.NewSymlink("one")})
	results, problems := f.tr.Apply(context.Background(), []tree.Change{
		{Path: "a.txt", Old: old, New: incoming},
		{Path: "d", New: dir},
	})
	require.Empty(t, problems)
	require.Equal(t, "new", f.read("a.txt"))
	require.Equal(t, "new", f.read("d/one"))
	require.Equal(t, "new", f.read("d/two"))
	info, err := os.Stat(filepath.Join(f.root, "d/two"))
	require.NoError(t, err)
	require.NotZero(t, info.Mode()&0o100)
	target, err := os.Readlink(filepath.Join(f.root, "d/l"))
	require.NoError(t, err)
	require.Equal(t, "one", target)
	require.Same(t, incoming, results[0])
	require.Same(t, dir, results[1])
	// What the transition wrote is in the cache: the next scan reads nothing again.
	_, d, ok := f.sc.Cached("d/two")
	require.True(t, ok)
	require.Equal(t, incoming.Digest, d)
}

func TestUnstagedContentFailsCleanly(t *testing.T) {
	f := newFixture(t, map[string]string{"a.txt": "old"})
	old := tree.Lookup(f.scan(), "a.txt")
	missing := tree.NewFile(3, scan.Digest([]byte("xyz")), false)
	results, problems := f.tr.Apply(context.Background(), []tree.Change{{Path: "a.txt", Old: old, New: missing}})
	require.Equal(t, "old", f.read("a.txt"))
	require.Len(t, problems, 1)
	require.Same(t, old, results[0])
}

func TestParentSymlinkRefused(t *testing.T) {
	f := newFixture(t, map[string]string{"d/a": "1"})
	outside := t.TempDir()
	f.scan()
	require.NoError(t, os.RemoveAll(filepath.Join(f.root, "d")))
	require.NoError(t, os.Symlink(outside, filepath.Join(f.root, "d")))
	incoming := f.stageContent("escape")
	_, problems := f.tr.Apply(context.Background(), []tree.Change{{Path: "d/x", New: incoming}})
	require.Len(t, problems, 1)
	require.NoFileExists(t, filepath.Join(outside, "x"), "nothing may be written through a symlinked parent")
}

func TestInvalidPathRefused(t *testing.T) {
	f := newFixture(t, nil)
	incoming := f.stageContent("x")
	for _, p := range []string{"../escape", "/abs", "a/../../b"} {
		_, problems := f.tr.Apply(context.Background(), []tree.Change{{Path: p, New: incoming}})
		require.Len(t, problems, 1, p)
	}
	require.NoFileExists(t, filepath.Join(filepath.Dir(f.root), "escape"))
}

func TestReceiverRejectsWrongContent(t *testing.T) {
	f := newFixture(t, nil)
	want := scan.Digest([]byte("expected"))
	needed, err := f.area.Stage(context.Background(), []endpoint.StageFile{{Path: "x", Digest: want, Size: 8}}, nil, false)
	require.NoError(t, err)
	require.Len(t, needed, 1)
	r, err := f.area.Receiver()
	require.NoError(t, err)
	require.NoError(t, r.Begin(0))
	require.NoError(t, r.Op(delta.Op{Kind: delta.OpData, Data: []byte("tampered")}))
	require.NoError(t, r.End())
	problems, err := r.Close()
	require.NoError(t, err)
	require.Len(t, problems, 1)
	require.False(t, f.area.Has(want), "content that does not match its digest is never staged")
}

func TestRemovedAndOverwrittenGoToTrash(t *testing.T) {
	f := newFixture(t, map[string]string{"keep/a.txt": "version 1", "gone.txt": "deleted content"})
	root := f.scan()
	incoming := f.stageContent("version 2")
	_, problems := f.tr.Apply(context.Background(), []tree.Change{
		{Path: "keep/a.txt", Old: tree.Lookup(root, "keep/a.txt"), New: incoming},
		{Path: "gone.txt", Old: tree.Lookup(root, "gone.txt")},
	})
	require.Empty(t, problems)
	require.Equal(t, "version 2", f.read("keep/a.txt"))
	require.NoFileExists(t, filepath.Join(f.root, "gone.txt"))

	items, err := f.bin.List()
	require.NoError(t, err)
	require.Len(t, items, 2)
	byPath := map[string]trash.Item{}
	for _, it := range items {
		byPath[it.Path] = it
	}
	require.Contains(t, byPath, "keep/a.txt")
	require.Contains(t, byPath, "gone.txt")

	// Restoring never overwrites; restoring to a free path brings the content back.
	it := byPath["keep/a.txt"]
	require.Error(t, f.bin.Restore(it.Batch, it.Path, filepath.Join(f.root, "keep/a.txt")))
	require.NoError(t, f.bin.Restore(it.Batch, it.Path, filepath.Join(f.root, "keep/a.restored.txt")))
	require.Equal(t, "version 1", f.read("keep/a.restored.txt"))
	g := byPath["gone.txt"]
	require.NoError(t, f.bin.Restore(g.Batch, g.Path, filepath.Join(f.root, "gone.txt")))
	require.Equal(t, "deleted content", f.read("gone.txt"))
}

func TestTrashUnavailableMeansNotRemoved(t *testing.T) {
	f := newFixture(t, map[string]string{"a.txt": "precious"})
	root := f.scan()
	// The trash cannot be written: a file sits where its directory would go.
	blocked := filepath.Join(t.TempDir(), "blocked")
	require.NoError(t, os.WriteFile(blocked, nil, 0o600))
	f.tr.bin = trash.Open(filepath.Join(blocked, "trash"), trash.Limits{})
	_, problems := f.tr.Apply(context.Background(), []tree.Change{{Path: "a.txt", Old: tree.Lookup(root, "a.txt")}})
	require.Len(t, problems, 1)
	require.Contains(t, problems[0].Error, "trash")
	require.Equal(t, "precious", f.read("a.txt"))
}

// A directory created with a file deep inside whose content never came is reported as
// what is there: the result lacks the file at every level (recording it would make
// the next cycle take its absence for a deletion, and delete it on the other side).
func TestPartlyCreatedDirectoryIsWhatLanded(t *testing.T) {
	f := newFixture(t, nil)
	here := f.stageContent("here")
	missing := tree.NewFile(7, scan.Digest([]byte("missing")), false)
	deep := tree.NewDir(map[string]*tree.Entry{"ok": here, "gone": missing})
	new := tree.NewDir(map[string]*tree.Entry{"sub": tree.NewDir(map[string]*tree.Entry{"deep": deep})})
	results, problems := f.tr.Apply(context.Background(), []tree.Change{{Path: "top", New: new}})
	require.Len(t, problems, 1)
	require.Equal(t, "top/sub/deep/gone", problems[0].Path)
	require.Nil(t, tree.Lookup(results[0], "sub/deep/gone"), "never landed, never recorded")
	require.NotNil(t, tree.Lookup(results[0], "sub/deep/ok"))
	require.Equal(t, "here", f.read("top/sub/deep/ok"))
	require.True(t, tree.Equal(results[0], tree.With(new, "sub/deep/gone", nil)))
}
