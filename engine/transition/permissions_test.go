package transition

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/tree"
)

// newManualFixture is a fixture whose scanner ignores executability and whose
// transitioner uses perms.
func newManualFixture(t *testing.T, files map[string]string, perms Permissions) *fixture {
	f := newFixture(t, files)
	f.sc = scan.New(f.root, scan.Options{IgnoreExecutability: true})
	f.tr = New(f.sc, f.area, f.bin, perms)
	f.scan()
	return f
}

func modeOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Lstat(path)
	require.NoError(t, err)
	return info.Mode().Perm()
}

func TestManualPermissionsGiveDefaultModes(t *testing.T) {
	f := newManualFixture(t, map[string]string{"kept.sh": "old"}, Permissions{Manual: true, FileMode: 0o640, DirMode: 0o775, UID: -1, GID: -1})
	kept := filepath.Join(f.root, "kept.sh")
	require.NoError(t, os.Chmod(kept, 0o700))
	old := tree.Lookup(f.scan(), "kept.sh")
	require.False(t, old.Executable, "the manual mode does not see executability")

	// A new directory with a file marked executable on the other side, and a
	// replacement of an existing file.
	file := f.stageContent("new")
	file.Executable = true
	dir := tree.NewDir(map[string]*tree.Entry{"run.sh": file})
	replacement := f.stageContent("replaced")
	_, problems := f.tr.Apply(context.Background(), []tree.Change{
		{Path: "d", New: dir},
		{Path: "kept.sh", Old: old, New: replacement},
	})
	require.Empty(t, problems)
	require.Equal(t, fs.FileMode(0o775), modeOf(t, filepath.Join(f.root, "d")), "exactly the directory mode, whatever the umask")
	require.Equal(t, fs.FileMode(0o640), modeOf(t, filepath.Join(f.root, "d", "run.sh")), "the file mode, without executable bits")
	require.Equal(t, "replaced", f.read("kept.sh"))
	require.Equal(t, fs.FileMode(0o700), modeOf(t, kept), "a replaced file keeps its mode")
}

func TestPortablePermissionsAddExecutableBitsToTheFileMode(t *testing.T) {
	f := newFixture(t, nil)
	f.tr.perms = Permissions{FileMode: 0o640, UID: -1, GID: -1}
	file := f.stageContent("#!/bin/sh\n")
	file.Executable = true
	_, problems := f.tr.Apply(context.Background(), []tree.Change{{Path: "run.sh", New: file}})
	require.Empty(t, problems)
	require.Equal(t, fs.FileMode(0o750), modeOf(t, filepath.Join(f.root, "run.sh")))
}

func TestDefaultOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving files to another user needs root")
	}
	const uid, gid = 65534, 65534 // nobody, nogroup
	f := newManualFixture(t, nil, Permissions{Manual: true, FileMode: 0o644, DirMode: 0o755, UID: uid, GID: gid})
	file := f.stageContent("owned")
	shared := f.stageContent("twice") // landed twice: a copy, then the staged file
	link := tree.NewSymlink("../a")
	dir := tree.NewDir(map[string]*tree.Entry{"a": file, "b": shared, "c": shared, "l": link})
	_, problems := f.tr.Apply(context.Background(), []tree.Change{{Path: "d", New: dir}})
	require.Empty(t, problems)
	for _, p := range []string{"d", "d/a", "d/b", "d/c", "d/l"} {
		info, err := os.Lstat(filepath.Join(f.root, p))
		require.NoError(t, err)
		st := info.Sys().(*syscall.Stat_t)
		require.Equal(t, [2]uint32{uid, gid}, [2]uint32{st.Uid, st.Gid}, p)
	}
}
