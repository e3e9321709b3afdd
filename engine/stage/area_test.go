package stage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/zeebo/xxh3"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/tree"
)

func digestOf(b []byte) tree.Digest { return tree.Digest(xxh3.Hash128(b).Bytes()) }

// receive stages contents into a through its receiver, as a transfer does.
func receive(t *testing.T, a *Area, contents ...[]byte) []endpoint.Needed {
	t.Helper()
	var files []endpoint.StageFile
	for i, c := range contents {
		files = append(files, endpoint.StageFile{Path: fmt.Sprintf("f/%d", i), Digest: digestOf(c), Size: int64(len(c))})
	}
	needed, err := a.Stage(context.Background(), files, nil, false)
	require.NoError(t, err)
	if len(needed) == 0 {
		return nil
	}
	r, err := a.Receiver()
	require.NoError(t, err)
	for i, n := range needed {
		for _, c := range contents {
			if digestOf(c) == n.Digest {
				require.NoError(t, r.Begin(i))
				require.NoError(t, r.Op(delta.Op{Kind: delta.OpData, Data: c}))
				require.NoError(t, r.End())
			}
		}
	}
	problems, err := r.Close()
	require.NoError(t, err)
	require.Empty(t, problems)
	return needed
}

// TestStagedContentSurvivesARestart checks that what one process staged is used by
// the next (an interrupted first sync makes progress), and only after its digest is
// checked again: a file torn by a crash, or changed since, is never used.
func TestStagedContentSurvivesARestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "staging")
	root := t.TempDir()
	abs := func(p string) string { return filepath.Join(root, p) }
	one, two, three := []byte("first file"), []byte("second file, longer"), []byte("third")

	a := NewArea(dir, abs)
	require.Len(t, receive(t, a, one, two, three), 3)
	require.True(t, a.Has(digestOf(one)))

	// A crash tore one staged file; the others are intact.
	torn, err := filepath.Glob(filepath.Join(dir, "*", digestOf(two).String()+"-*"))
	require.NoError(t, err)
	require.Len(t, torn, 1)
	require.NoError(t, os.WriteFile(torn[0], two[:5], 0o644))
	// A file that does not even name a digest is removed.
	junk := filepath.Join(dir, "99", ".incoming-0123")
	require.NoError(t, os.MkdirAll(filepath.Dir(junk), 0o700))
	require.NoError(t, os.WriteFile(junk, []byte("junk"), 0o644))

	b := NewArea(dir, abs)
	needed := receive(t, b, one, two, three)
	require.Len(t, needed, 1, "only the torn file is transferred again")
	require.Equal(t, digestOf(two), needed[0].Digest)
	for _, c := range [][]byte{one, two, three} {
		p := b.Path(digestOf(c))
		require.NotEmpty(t, p)
		got, err := os.ReadFile(p)
		require.NoError(t, err)
		require.Equal(t, c, got)
	}
	require.NoFileExists(t, junk)
	require.NoError(t, b.Clear())
	require.NoDirExists(t, dir)
}

// TestContentIsVerifiedBeforeItIsStaged sends content that does not match the digest
// the receiver expects (a file that changed while it was sent): it is reported, and
// nothing is staged under that digest, so nothing of it can land.
func TestContentIsVerifiedBeforeItIsStaged(t *testing.T) {
	a := NewArea(filepath.Join(t.TempDir(), "staging"), func(p string) string { return p })
	want := []byte("what the scan saw")
	for _, size := range []int{len(want), smallFile + 1} { // gathered in memory, and streamed
		content := make([]byte, size)
		copy(content, want)
		d := digestOf(content)
		needed, err := a.Stage(context.Background(), []endpoint.StageFile{{Path: "f", Digest: d, Size: int64(size)}}, nil, false)
		require.NoError(t, err)
		require.Len(t, needed, 1)
		r, err := a.Receiver()
		require.NoError(t, err)
		changed := append([]byte(nil), content...)
		changed[0] ^= 1
		require.NoError(t, r.Begin(0))
		require.NoError(t, r.Op(delta.Op{Kind: delta.OpData, Data: changed}))
		require.NoError(t, r.End())
		problems, err := r.Close()
		require.NoError(t, err)
		require.Len(t, problems, 1, "size %d", size)
		require.Contains(t, problems[0].Error, "changed while it was transferred")
		require.False(t, a.Has(d), "size %d: mismatching content was staged", size)
	}
}

// TestDurabilityFollowsTheStaging checks what the flush before a transition must do:
// a few staged files were synced (fdatasync) as they were written, so only their
// directories are left; many were not, and one sync of the file system is due.
func TestDurabilityFollowsTheStaging(t *testing.T) {
	for _, n := range []int{3, syncEachMax + 1} {
		a := NewArea(filepath.Join(t.TempDir(), "staging"), func(p string) string { return p })
		var synced atomic.Int64
		a.syncFile = func(f *os.File) error { synced.Add(1); return syncData(f) }
		var contents [][]byte
		for i := range n {
			contents = append(contents, []byte(fmt.Sprintf("file %d", i)))
		}
		receive(t, a, contents...)
		all, dirs := a.Durability()
		require.Equal(t, n > syncEachMax, all, "%d files", n)
		if all {
			require.Zero(t, synced.Load(), "%d files: each synced although the flush syncs them all", n)
		} else {
			require.EqualValues(t, n, synced.Load(), "%d files: not each synced as it was written", n)
		}
		require.NotEmpty(t, dirs)
		all, dirs = a.Durability()
		require.False(t, all, "reset once reported")
		require.Empty(t, dirs)
	}
}

// awaitDone runs Await in the background and returns its result channel.
func awaitDone(a *Area, ctx context.Context, ds ...tree.Digest) chan error {
	done := make(chan error, 1)
	go func() { done <- a.Await(ctx, ds) }()
	return done
}

// requireWaiting fails if done already has a result: Await returned although what it
// waits for has not come. (It cannot prove a wait; the later checks prove the return.)
func requireWaiting(t *testing.T, done chan error) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("Await returned (%v) while content was still to come", err)
	default:
	}
}

// Await waits for the contents the last Stage listed: each arrives, is given up on
// (a skip, a digest mismatch), or the reception ends; content nobody listed is not
// waited for.
func TestAwaitWaitsForTheReception(t *testing.T) {
	a := NewArea(filepath.Join(t.TempDir(), "staging"), func(p string) string { return p })
	one, two, three := []byte("one"), []byte("two"), []byte("three")
	var files []endpoint.StageFile
	for i, c := range [][]byte{one, two, three} {
		files = append(files, endpoint.StageFile{Path: fmt.Sprintf("f/%d", i), Digest: digestOf(c), Size: int64(len(c))})
	}
	needed, err := a.Stage(context.Background(), files, nil, false)
	require.NoError(t, err)
	require.Len(t, needed, 3)
	require.NoError(t, a.Await(context.Background(), []tree.Digest{digestOf([]byte("not listed"))}))
	require.True(t, a.Wanted())

	// The receiver comes after the wait began (a transition's call can overtake it).
	done := awaitDone(a, context.Background(), digestOf(one), digestOf(two))
	r, err := a.Receiver()
	require.NoError(t, err)
	require.NoError(t, r.Begin(0))
	require.NoError(t, r.Op(delta.Op{Kind: delta.OpData, Data: one}))
	require.NoError(t, r.End())
	_, err = r.Close() // two never came
	require.NoError(t, err)
	require.NoError(t, <-done, "the reception ended: nothing more is coming")
	require.True(t, a.Has(digestOf(one)))
	require.False(t, a.Has(digestOf(two)))

	// A skip and a mismatch are given up on; a cancelled wait returns its error.
	_, err = a.Stage(context.Background(), files[1:], nil, false)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := awaitDone(a, ctx, digestOf(two))
	done = awaitDone(a, context.Background(), digestOf(two), digestOf(three))
	requireWaiting(t, done)
	cancel()
	require.ErrorIs(t, <-cancelled, context.Canceled)
	r, err = a.Receiver()
	require.NoError(t, err)
	require.NoError(t, r.Skip(0, "gone"))
	requireWaiting(t, done)
	require.NoError(t, r.Begin(1))
	require.NoError(t, r.Op(delta.Op{Kind: delta.OpData, Data: []byte("thre3")}))
	require.NoError(t, r.End())
	problems, err := r.Close()
	require.NoError(t, err)
	require.Len(t, problems, 2)
	require.NoError(t, <-done)
	require.False(t, a.Has(digestOf(three)), "content that does not match is never staged")
}

// Await returns as soon as its contents are staged, while the reception goes on.
func TestAwaitReturnsWhenItsContentArrives(t *testing.T) {
	a := NewArea(filepath.Join(t.TempDir(), "staging"), func(p string) string { return p })
	big := make([]byte, smallFile+1) // written at End, not by a worker
	big[0] = 1
	other := []byte("other")
	files := []endpoint.StageFile{
		{Path: "big", Digest: digestOf(big), Size: int64(len(big))},
		{Path: "other", Digest: digestOf(other), Size: int64(len(other))},
	}
	_, err := a.Stage(context.Background(), files, nil, false)
	require.NoError(t, err)
	done := awaitDone(a, context.Background(), digestOf(big))
	r, err := a.Receiver()
	require.NoError(t, err)
	require.NoError(t, r.Begin(0))
	require.NoError(t, r.Op(delta.Op{Kind: delta.OpData, Data: big}))
	require.NoError(t, r.End())
	require.NoError(t, <-done, "returned with the receiver still open")
	require.True(t, a.Has(digestOf(big)))
	require.True(t, a.Wanted(), "other is still to come")
	a.Taken(digestOf(big))
	_, err = r.Close()
	require.NoError(t, err)
	require.True(t, a.Wanted(), "other was never taken")
}
