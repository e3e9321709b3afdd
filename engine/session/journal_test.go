package session

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/tree"
)

func fileOf(content string) *tree.Entry {
	return tree.NewFile(int64(len(content)), scan.Digest([]byte(content)), false)
}

func dirOf(kv ...any) *tree.Entry {
	c := map[string]*tree.Entry{}
	for i := 0; i < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1].(*tree.Entry)
	}
	return tree.NewDir(c)
}

func TestSettle(t *testing.T) {
	a, b, x := fileOf("a"), fileOf("b"), fileOf("x")
	for _, tc := range []struct {
		name          string
		cur, old, new *tree.Entry
		want          *tree.Entry
	}{
		{"created, landed", b, nil, b, b},
		{"created, not landed", nil, nil, b, nil},
		{"replaced, landed", b, a, b, b},
		{"replaced, not landed", a, a, b, a},
		{"replaced, then changed by someone else", x, a, b, a},
		{"removed, landed", nil, a, nil, nil},
		{"removed, not landed", a, a, nil, a},
		{"directory created, some files landed", dirOf("f", a), nil, dirOf("f", a, "g", b), dirOf("f", a)},
		{"directory created, only made", dirOf(), nil, dirOf("f", a), dirOf()},
		{"directory removed, some left", dirOf("g", b), dirOf("f", a, "g", b), nil, dirOf("g", b)},
		{"directory removed, extra content kept out", dirOf("g", b, "new", x), dirOf("f", a, "g", b), nil, dirOf("g", b)},
		{"directory replaced by a file, landed", b, dirOf("f", a), b, b},
		{"directory replaced by a file, half removed", dirOf("g", b), dirOf("f", a, "g", b), x, dirOf("g", b)},
		{"file replaced by a directory, being filled", dirOf("f", a), b, dirOf("f", a, "g", b), dirOf("f", a)},
		{"nested", dirOf("d", dirOf("f", b)), dirOf("d", dirOf("f", a)), dirOf("d", dirOf("f", b, "g", b)), dirOf("d", dirOf("f", b))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := settle(tc.cur, tc.old, tc.new)
			require.True(t, tree.Equal(tc.want, got), "want %v, got %v", tc.want, got)
		})
	}
}

func TestJournalReplay(t *testing.T) {
	dir := t.TempDir()
	a, b := fileOf("a"), fileOf("b")
	j, h, err := openJournal(dir, nil, 0)
	require.NoError(t, err)
	require.Nil(t, h.ancestor)
	require.NoError(t, j.intend(1, []tree.Patch{{Path: "", Entry: dirOf("agreed", a)}}, []intent{{side: 1, path: "x", new: a}}))
	require.NoError(t, j.record(1, []tree.Patch{{Path: "x", Entry: a}}))
	require.NoError(t, j.intend(2, nil, []intent{{side: 0, path: "x", old: a, new: b}, {side: 1, path: "y", new: b}}))
	require.NoError(t, j.close())

	_, h, err = openJournal(dir, nil, 0)
	require.NoError(t, err)
	require.True(t, tree.Equal(dirOf("agreed", a, "x", a), h.ancestor))
	require.Equal(t, uint64(2), h.seq)
	require.Len(t, h.pending, 2, "the second cycle's intent has no results")
	require.Equal(t, "y", h.pending[1].path)

	// A snapshot at seq 1 skips the records it includes.
	_, h, err = openJournal(dir, dirOf("snap", b), 1)
	require.NoError(t, err)
	require.True(t, tree.Equal(dirOf("snap", b), h.ancestor))
	require.Len(t, h.pending, 2)
}

func TestJournalTornTail(t *testing.T) {
	dir := t.TempDir()
	a := fileOf("a")
	j, _, err := openJournal(dir, nil, 0)
	require.NoError(t, err)
	require.NoError(t, j.record(1, []tree.Patch{{Path: "", Entry: dirOf("f", a)}}))
	require.NoError(t, j.record(2, []tree.Patch{{Path: "g", Entry: a}}))
	require.NoError(t, j.close())
	path := filepath.Join(dir, journalFile)
	info, err := os.Stat(path)
	require.NoError(t, err)
	// A crash tore the last record.
	require.NoError(t, os.Truncate(path, info.Size()-3))

	j, h, err := openJournal(dir, nil, 0)
	require.NoError(t, err)
	require.True(t, tree.Equal(dirOf("f", a), h.ancestor), "the torn record is dropped")
	require.Equal(t, uint64(1), h.seq)
	// New records follow the last good one and are read back.
	require.NoError(t, j.record(2, []tree.Patch{{Path: "h", Entry: a}}))
	require.NoError(t, j.close())
	_, h, err = openJournal(dir, nil, 0)
	require.NoError(t, err)
	require.True(t, tree.Equal(dirOf("f", a, "h", a), h.ancestor))
}

func TestJournalCompact(t *testing.T) {
	dir := t.TempDir()
	a, b := fileOf("a"), fileOf("b")
	j, _, err := openJournal(dir, nil, 0)
	require.NoError(t, err)
	require.NoError(t, j.record(1, []tree.Patch{{Path: "", Entry: dirOf("f", a)}}))
	require.NoError(t, j.record(2, []tree.Patch{{Path: "g", Entry: b}}))
	require.NoError(t, j.compact(1))
	require.NoError(t, j.record(3, []tree.Patch{{Path: "h", Entry: b}}))
	require.NoError(t, j.close())
	_, h, err := openJournal(dir, dirOf("f", a), 1)
	require.NoError(t, err)
	require.True(t, tree.Equal(dirOf("f", a, "g", b, "h", b), h.ancestor))

	j, _, err = openJournal(dir, dirOf("f", a, "g", b, "h", b), 3)
	require.NoError(t, err)
	require.NoError(t, j.compact(3))
	require.NoError(t, j.close())
	info, err := os.Stat(filepath.Join(dir, journalFile))
	require.NoError(t, err)
	require.Zero(t, info.Size(), "a snapshot covering every record empties the journal")
}

// TestCrashAfterLandingIsSettled simulates a daemon killed after a transition landed
// but before its results were recorded: only the intent is in the journal. The
// restarted session must take the landed change as landed: a deletion on alpha then
// propagates (instead of beta's copy reading as a creation and coming back), and a
// later edit on alpha propagates (instead of reading as a conflict).
func TestCrashAfterLandingIsSettled(t *testing.T) {
	data := t.TempDir()
	alpha, beta := t.TempDir(), t.TempDir()
	write(t, filepath.Join(alpha, "keep.txt"), "k")
	m, err := NewManager(data, Transports{Local: OpenLocal}, nil)
	require.NoError(t, err)
	st, err := m.Create(context.Background(), CreateRequest{Name: "c", Alpha: alpha, Beta: beta})
	require.NoError(t, err)
	flush(t, m, "c")
	m.Close()
	dir := filepath.Join(data, "sync", st.Spec.ID)

	// What a cycle would have done: two new files on alpha landed on beta, an edit of
	// keep.txt on alpha landed on beta; the daemon died before recording the results.
	write(t, filepath.Join(alpha, "new.txt"), "n")
	write(t, filepath.Join(beta, "new.txt"), "n")
	write(t, filepath.Join(alpha, "other.txt"), "o")
	write(t, filepath.Join(beta, "other.txt"), "o")
	write(t, filepath.Join(alpha, "keep.txt"), "k2")
	write(t, filepath.Join(beta, "keep.txt"), "k2")
	anc, snap, err := loadAncestor(dir)
	require.NoError(t, err)
	j, h, err := openJournal(dir, anc, snap)
	require.NoError(t, err)
	require.NoError(t, j.intend(h.seq+1, nil, []intent{
		{side: 1, path: "new.txt", new: fileOf("n")},
		{side: 1, path: "other.txt", new: fileOf("o")},
		{side: 1, path: "keep.txt", old: fileOf("k"), new: fileOf("k2")},
	}))
	require.NoError(t, j.close())
	// While the daemon was down: alpha deleted one new file and edited keep.txt again.
	require.NoError(t, os.Remove(filepath.Join(alpha, "new.txt")))
	write(t, filepath.Join(alpha, "keep.txt"), "k3")

	m, err = NewManager(data, Transports{Local: OpenLocal}, nil)
	require.NoError(t, err)
	defer m.Close()
	flush(t, m, "c")
	require.Zero(t, state(t, m, "c").ConflictCount, "the edit after the crash is not a conflict")
	require.NoFileExists(t, filepath.Join(alpha, "new.txt"), "the deletion after the crash is not undone")
	require.NoFileExists(t, filepath.Join(beta, "new.txt"))
	require.Equal(t, "k3", read(t, filepath.Join(beta, "keep.txt")))
	require.Equal(t, "o", read(t, filepath.Join(beta, "other.txt")))
}
