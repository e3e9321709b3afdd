package session

import (
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/tree"
)

var updateFormats = flag.Bool("update", false, "rewrite testdata/formats.golden")

// TestFormatsGolden pins the bytes of the files a session keeps history in: the
// ancestor snapshot and the journal. Saved sessions are read back by later releases,
// so a change to either must come with a new format marker (ancestorMagic; the
// journal's record kinds) and code that reads the old one; then run go test -update.
func TestFormatsGolden(t *testing.T) {
	dir := t.TempDir()
	file := tree.NewFile(42, tree.Digest{1, 2, 15: 3}, false)
	anc := tree.NewDir(map[string]*tree.Entry{"a": file, "l": tree.NewSymlink("a"), "d": tree.NewDir(nil)})
	require.NoError(t, saveAncestor(dir, anc, 7))
	j, _, err := openJournal(dir, anc, 7)
	require.NoError(t, err)
	require.NoError(t, j.intend(8, []tree.Patch{{Path: "d/b", Entry: file}}, []intent{{side: 1, path: "c", new: file}, {side: 0, path: "a", old: file}}))
	require.NoError(t, j.record(8, []tree.Patch{{Path: "c", Entry: file}, {Path: "a"}}))
	require.NoError(t, j.close())

	var b strings.Builder
	for _, name := range []string{ancestorFile, journalFile} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		fmt.Fprintf(&b, "%s: %s\n", name, hex.EncodeToString(data))
	}
	path := filepath.Join("testdata", "formats.golden")
	if *updateFormats {
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), b.String(),
		"the ancestor or journal format changed: give it a new format marker and keep reading the old one, then go test -update")

	// And what was written reads back.
	anc2, seq, err := loadAncestor(dir)
	require.NoError(t, err)
	require.Equal(t, uint64(7), seq)
	require.True(t, tree.Equal(anc, anc2))
	_, h, err := openJournal(dir, anc2, seq)
	require.NoError(t, err)
	require.Empty(t, h.pending)
	require.True(t, tree.Equal(tree.NewDir(map[string]*tree.Entry{"c": file, "l": tree.NewSymlink("a"),
		"d": tree.NewDir(map[string]*tree.Entry{"b": file})}), h.ancestor))
}

// TestReadsFirstAncestorFormat reads a snapshot written before the journal existed.
func TestReadsFirstAncestorFormat(t *testing.T) {
	dir := t.TempDir()
	anc := tree.NewDir(map[string]*tree.Entry{"a": tree.NewFile(1, tree.Digest{9}, true)})
	require.NoError(t, os.WriteFile(filepath.Join(dir, ancestorFile), tree.Encode([]byte(ancestorMagic1), anc), 0o600))
	got, seq, err := loadAncestor(dir)
	require.NoError(t, err)
	require.Zero(t, seq)
	require.True(t, tree.Equal(anc, got))
}
