package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/engine/reconcile"
	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/tree"
)

// newManager returns a manager over a temp data dir, closed at the end of the test.
func newManager(t *testing.T) (*Manager, string) {
	t.Helper()
	data := t.TempDir()
	m, err := NewManager(data, Transports{Local: OpenLocal}, nil)
	require.NoError(t, err)
	t.Cleanup(m.Close)
	return m, data
}

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func flush(t *testing.T, m *Manager, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, m.Flush(ctx, registry.Selection{Specs: []string{name}}, FlushOptions{}))
}

func state(t *testing.T, m *Manager, name string) State {
	t.Helper()
	states, err := m.List(registry.Selection{Specs: []string{name}})
	require.NoError(t, err)
	require.Len(t, states, 1)
	return states[0]
}

func TestSyncConverges(t *testing.T) {
	m, _ := newManager(t)
	alpha, beta := t.TempDir(), filepath.Join(t.TempDir(), "mirror")
	write(t, filepath.Join(alpha, "a.txt"), "hello")
	write(t, filepath.Join(alpha, "sub/deep/b.txt"), "world")
	require.NoError(t, os.MkdirAll(filepath.Join(alpha, "empty"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(alpha, "run.sh"), []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, os.Symlink("a.txt", filepath.Join(alpha, "link")))

	_, err := m.Create(context.Background(), CreateRequest{Name: "docs", Alpha: alpha, Beta: beta})
	require.NoError(t, err)
	flush(t, m, "docs")

	require.Equal(t, "hello", read(t, filepath.Join(beta, "a.txt")))
	require.Equal(t, "world", read(t, filepath.Join(beta, "sub/deep/b.txt")))
	info, err := os.Stat(filepath.Join(beta, "run.sh"))
	require.NoError(t, err)
	require.NotZero(t, info.Mode()&0o100, "executable bit")
	target, err := os.Readlink(filepath.Join(beta, "link"))
	require.NoError(t, err)
	require.Equal(t, "a.txt", target)
	info, err = os.Stat(filepath.Join(beta, "empty"))
	require.NoError(t, err)
	require.True(t, info.IsDir())

	// Edit on beta, create on alpha, delete on alpha.
	write(t, filepath.Join(beta, "a.txt"), "changed on beta")
	write(t, filepath.Join(alpha, "new.txt"), "new")
	require.NoError(t, os.Remove(filepath.Join(alpha, "sub/deep/b.txt")))
	flush(t, m, "docs")
	require.Equal(t, "changed on beta", read(t, filepath.Join(alpha, "a.txt")))
	require.Equal(t, "new", read(t, filepath.Join(beta, "new.txt")))
	require.NoFileExists(t, filepath.Join(beta, "sub/deep/b.txt"))

	// Conflict.
	write(t, filepath.Join(alpha, "a.txt"), "alpha version")
	write(t, filepath.Join(beta, "a.txt"), "beta version")
	flush(t, m, "docs")
	st := state(t, m, "docs")
	require.Equal(t, 1, st.ConflictCount)
	require.Equal(t, "a.txt", st.Conflicts[0].Path)
	require.Equal(t, "alpha version", read(t, filepath.Join(alpha, "a.txt")))
	require.Equal(t, "beta version", read(t, filepath.Join(beta, "a.txt")))
}

// waitFor waits until the session's published state satisfies ok.
func waitFor(t *testing.T, m *Manager, name string, what string, ok func(State) bool) State {
	t.Helper()
	ch := make(chan State, 1000)
	cancel := m.Subscribe(func(s State) {
		select {
		case ch <- s:
		default:
		}
	})
	defer cancel()
	if s := state(t, m, name); ok(s) {
		return s
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case s := <-ch:
			if (s.Spec.Name == name || s.Spec.ID == name) && ok(s) {
				return s
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s; state: %+v", what, state(t, m, name))
		}
	}
}

func TestWatchedEditPropagatesWithoutFlush(t *testing.T) {
	m, _ := newManager(t)
	alpha, beta := t.TempDir(), t.TempDir()
	_, err := m.Create(context.Background(), CreateRequest{Name: "w", Alpha: alpha, Beta: beta})
	require.NoError(t, err)
	flush(t, m, "w")
	write(t, filepath.Join(alpha, "sub/new.txt"), "watched")
	waitFor(t, m, "w", "the edit to reach beta", func(s State) bool { return s.Beta.Counts.Files == 1 })
	require.Equal(t, "watched", read(t, filepath.Join(beta, "sub/new.txt")))
	write(t, filepath.Join(beta, "sub/new.txt"), "edited on beta")
	waitFor(t, m, "w", "the edit to reach alpha", func(s State) bool {
		b, _ := os.ReadFile(filepath.Join(alpha, "sub/new.txt"))
		return string(b) == "edited on beta"
	})
}

func TestPollingAndNoWatch(t *testing.T) {
	m, _ := newManager(t)
	a1, b1, a2, b2 := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	_, err := m.Create(context.Background(), CreateRequest{Name: "poll", Alpha: a1, Beta: b1,
		Config: SyncConfig{Config: local.Config{Watch: local.WatchForcePoll, PollInterval: 200 * time.Millisecond}}})
	require.NoError(t, err)
	_, err = m.Create(context.Background(), CreateRequest{Name: "manual", Alpha: a2, Beta: b2, Config: SyncConfig{Config: local.Config{Watch: local.WatchNone}}})
	require.NoError(t, err)
	flush(t, m, "poll")
	flush(t, m, "manual")
	require.Contains(t, state(t, m, "poll").Alpha.Watch, "polling every 200ms")

	write(t, filepath.Join(a1, "polled.txt"), "p")
	// A poll may find the file created but not yet written, and sync that first.
	waitFor(t, m, "poll", "the poller to find the file", func(s State) bool {
		b, _ := os.ReadFile(filepath.Join(b1, "polled.txt"))
		return s.Beta.Counts.Files == 1 && string(b) == "p"
	})

	write(t, filepath.Join(a2, "manual.txt"), "m")
	cycles := state(t, m, "manual").Cycles
	flush(t, m, "manual")
	require.Equal(t, "m", read(t, filepath.Join(b2, "manual.txt")))
	require.Equal(t, cycles+1, state(t, m, "manual").Cycles, "no-watch runs cycles only when flushed")
}

func TestHaltsOnRootLoss(t *testing.T) {
	m, _ := newManager(t)
	base := t.TempDir()
	alpha, beta := filepath.Join(base, "a"), filepath.Join(base, "b")
	write(t, filepath.Join(alpha, "one"), "1")
	write(t, filepath.Join(alpha, "two"), "2")
	_, err := m.Create(context.Background(), CreateRequest{Name: "h", Alpha: alpha, Beta: beta})
	require.NoError(t, err)
	flush(t, m, "h")

	// Emptied root: nothing deleted on the other side.
	require.NoError(t, os.Remove(filepath.Join(beta, "one")))
	require.NoError(t, os.Remove(filepath.Join(beta, "two")))
	ctx := context.Background()
	err = m.Flush(ctx, registry.Selection{Specs: []string{"h"}}, FlushOptions{})
	require.ErrorContains(t, err, "emptied")
	waitFor(t, m, "h", "the emptied halt", func(s State) bool { return s.Status == StatusHaltedRootEmptied })
	require.FileExists(t, filepath.Join(alpha, "one"))

	// Deleted root: same.
	require.NoError(t, os.Remove(beta))
	err = m.Flush(ctx, registry.Selection{Specs: []string{"h"}}, FlushOptions{})
	require.ErrorContains(t, err, "deleted")
	waitFor(t, m, "h", "the deleted halt", func(s State) bool { return s.Status == StatusHaltedRootDeleted })
	require.FileExists(t, filepath.Join(alpha, "two"))

	// Reset copies alpha back into beta.
	require.NoError(t, m.Reset(registry.Selection{Specs: []string{"h"}}))
	flush(t, m, "h")
	require.Equal(t, "1", read(t, filepath.Join(beta, "one")))
	waitFor(t, m, "h", "watching", func(s State) bool { return s.Status == StatusWatching })
}

func TestResolveConflicts(t *testing.T) {
	m, _ := newManager(t)
	alpha, beta := t.TempDir(), t.TempDir()
	_, err := m.Create(context.Background(), CreateRequest{Name: "r", Alpha: alpha, Beta: beta})
	require.NoError(t, err)
	write(t, filepath.Join(alpha, "x"), "alpha x")
	write(t, filepath.Join(beta, "x"), "beta x")
	write(t, filepath.Join(alpha, "y"), "alpha y")
	write(t, filepath.Join(beta, "y"), "beta y")
	flush(t, m, "r")
	require.Equal(t, 2, state(t, m, "r").ConflictCount)

	ctx := context.Background()
	data, err := m.ReadFile(ctx, "r", "beta", "x", 1<<20)
	require.NoError(t, err)
	require.Equal(t, "beta x", string(data))
	_, err = m.ReadFile(ctx, "r", "beta", "../escape", 1<<20)
	require.Error(t, err)
	_, err = m.ReadFile(ctx, "r", "beta", "x", 3)
	require.ErrorContains(t, err, "too large")

	res, err := m.Resolve(ctx, "r", []string{"x", "nope"}, false)
	require.NoError(t, err)
	require.Equal(t, []string{"x"}, res.Resolved)
	require.Len(t, res.Failed, 1)
	require.Equal(t, "beta x", read(t, filepath.Join(alpha, "x")))
	require.Equal(t, 1, state(t, m, "r").ConflictCount)

	res, err = m.Resolve(ctx, "r", nil, true)
	require.NoError(t, err)
	require.Equal(t, []string{"y"}, res.Resolved)
	require.Equal(t, "alpha y", read(t, filepath.Join(beta, "y")))
	require.Equal(t, 0, state(t, m, "r").ConflictCount)
}

func TestMassDeletionHaltsAndTrashRestores(t *testing.T) {
	m, _ := newManager(t)
	alpha, beta := t.TempDir(), t.TempDir()
	for i := 0; i < 100; i++ {
		write(t, filepath.Join(alpha, "d", fmt.Sprintf("f%03d", i)), fmt.Sprintf("content %d", i))
	}
	_, err := m.Create(context.Background(), CreateRequest{Name: "md", Alpha: alpha, Beta: beta})
	require.NoError(t, err)
	flush(t, m, "md")
	for i := 0; i < 80; i++ {
		require.NoError(t, os.Remove(filepath.Join(alpha, "d", fmt.Sprintf("f%03d", i))))
	}
	// The watcher may have propagated the first deletions already; the halt stops the
	// rest once they exceed half the files.
	ctx := context.Background()
	err = m.Flush(ctx, registry.Selection{Specs: []string{"md"}}, FlushOptions{})
	require.ErrorContains(t, err, "files on beta")
	waitFor(t, m, "md", "the mass-deletion halt", func(s State) bool { return s.Status == StatusHaltedMassDeletion })
	left, err := os.ReadDir(filepath.Join(beta, "d"))
	require.NoError(t, err)
	require.Greater(t, len(left), 50, "at most half the files were deleted on beta")

	require.NoError(t, m.Flush(ctx, registry.Selection{Specs: []string{"md"}}, FlushOptions{AllowDeletions: true}))
	left, err = os.ReadDir(filepath.Join(beta, "d"))
	require.NoError(t, err)
	require.Len(t, left, 20)

	// What went is in beta's trash, and comes back (then syncs to alpha).
	items, err := m.Trash(ctx, "md", "beta")
	require.NoError(t, err)
	require.Len(t, items, 80)
	to, err := m.Restore(ctx, "md", RestoreRequest{Side: "beta", Path: "d/f007"})
	require.NoError(t, err)
	require.Equal(t, "d/f007", to)
	require.Equal(t, "content 7", read(t, filepath.Join(beta, "d", "f007")))
	_, err = m.Restore(ctx, "md", RestoreRequest{Side: "beta", Path: "d/f007"})
	require.ErrorContains(t, err, "exists", "a restore never overwrites")
	flush(t, m, "md")
	require.Equal(t, "content 7", read(t, filepath.Join(alpha, "d", "f007")))
}

func TestExecutabilityFromTheOtherSide(t *testing.T) {
	d := tree.Digest{1}
	anc := tree.NewDir(map[string]*tree.Entry{"run": tree.NewFile(1, d, true)})
	other := tree.NewDir(map[string]*tree.Entry{"run": tree.NewFile(1, d, true), "new": tree.NewFile(1, d, true)})
	// A Windows side sees no bits: it takes them from the ancestor, then the other side.
	side := tree.NewDir(map[string]*tree.Entry{"run": tree.NewFile(1, d, false), "new": tree.NewFile(1, d, false), "mine": tree.NewFile(1, d, false)})
	got := propagateExecutability(side, anc, other, "")
	require.True(t, tree.Lookup(got, "run").Executable)
	require.True(t, tree.Lookup(got, "new").Executable)
	require.False(t, tree.Lookup(got, "mine").Executable)
	res := reconcile.Reconcile(anc, other, got, reconcile.TwoWaySafe)
	for _, c := range res.AlphaChanges {
		require.NotEqual(t, "run", c.Path, "the executable bit must not flip on the other side")
	}
}

// TestIgnoreRulesThatChangeDeleteNothing: with the tree's .gitignore files applied,
// what they exclude stays on its own side; a rule added excludes paths without
// deleting them anywhere, whichever side changes them afterwards; a rule removed
// makes them sync, both ways, within the flush that carries the rule.
func TestIgnoreRulesThatChangeDeleteNothing(t *testing.T) {
	m, _ := newManager(t)
	alpha, beta := t.TempDir(), filepath.Join(t.TempDir(), "mirror")
	write(t, filepath.Join(alpha, ".gitignore"), "*.o\nbuild/\n")
	write(t, filepath.Join(alpha, "src/main.c"), "int main;")
	write(t, filepath.Join(alpha, "src/main.o"), "alpha's object")
	write(t, filepath.Join(alpha, "build/out.bin"), "alpha's build")
	write(t, filepath.Join(alpha, "notes.log"), "notes")
	_, err := m.Create(context.Background(), CreateRequest{Name: "git", Alpha: alpha, Beta: beta,
		Config: SyncConfig{Config: local.Config{GitIgnore: true}}})
	require.NoError(t, err)
	flush(t, m, "git")
	require.Equal(t, "int main;", read(t, filepath.Join(beta, "src/main.c")))
	require.Equal(t, "notes", read(t, filepath.Join(beta, "notes.log")))
	require.NoFileExists(t, filepath.Join(beta, "src/main.o"))
	require.NoDirExists(t, filepath.Join(beta, "build"))
	write(t, filepath.Join(beta, "src/main.o"), "beta's object")
	write(t, filepath.Join(beta, "build/out.bin"), "beta's build")
	flush(t, m, "git")
	st := state(t, m, "git")
	require.Zero(t, st.Alpha.ProblemCount+st.Beta.ProblemCount, "ignored content is no problem: %+v %+v", st.Alpha.Problems, st.Beta.Problems)
	require.Zero(t, st.ConflictCount)
	require.Equal(t, "alpha's object", read(t, filepath.Join(alpha, "src/main.o")))
	require.Equal(t, "beta's object", read(t, filepath.Join(beta, "src/main.o")))

	// A rule added on alpha: notes.log is left alone on both sides from now on.
	write(t, filepath.Join(alpha, ".gitignore"), "*.o\nbuild/\n*.log\n")
	flush(t, m, "git")
	require.Equal(t, "*.o\nbuild/\n*.log\n", read(t, filepath.Join(beta, ".gitignore")))
	require.NoError(t, os.Remove(filepath.Join(beta, "notes.log")))
	write(t, filepath.Join(alpha, "notes.log"), "edited on alpha only")
	flush(t, m, "git")
	require.Equal(t, "edited on alpha only", read(t, filepath.Join(alpha, "notes.log")), "never deleted")
	require.NoFileExists(t, filepath.Join(beta, "notes.log"), "never copied")

	// The rule for objects removed on beta: both objects sync in the same flush; they
	// differ, so they conflict, and nothing is lost.
	write(t, filepath.Join(beta, ".gitignore"), "build/\n*.log\n")
	require.NoError(t, os.Remove(filepath.Join(alpha, "build/out.bin")))
	flush(t, m, "git")
	st = state(t, m, "git")
	require.Equal(t, 1, st.ConflictCount, "both sides made src/main.o: %+v", st.Conflicts)
	require.Equal(t, "src/main.o", st.Conflicts[0].Path)
	require.Equal(t, "beta's build", read(t, filepath.Join(beta, "build/out.bin")), "still ignored, not deleted")
	write(t, filepath.Join(beta, "src/only-beta.o"), "")
	write(t, filepath.Join(alpha, ".gitignore"), "*.log\n")
	flush(t, m, "git")
	require.FileExists(t, filepath.Join(alpha, "src/only-beta.o"))
	require.Equal(t, "beta's build", read(t, filepath.Join(alpha, "build/out.bin")), "unignored on beta, synced in the flush that carried the rule")
}

// TestSidesHaveTheirOwnSettings: each side watches and creates with its own settings
// where they are given, and with the session's where not.
func TestSidesHaveTheirOwnSettings(t *testing.T) {
	m, _ := newManager(t)
	alpha, beta := t.TempDir(), t.TempDir()
	portable := local.WatchPortable
	cfg := SyncConfig{Config: local.Config{Watch: local.WatchForcePoll, PollInterval: 300 * time.Millisecond,
		Permissions: local.PermissionsConfig{FileMode: 0o600}},
		Beta: SideConfig{Watch: &portable, FileMode: 0o640, DirMode: 0o750}}
	_, err := m.Create(context.Background(), CreateRequest{Name: "sides", Alpha: alpha, Beta: beta, Config: cfg})
	require.NoError(t, err)
	write(t, filepath.Join(alpha, "from-alpha/a.txt"), "a")
	write(t, filepath.Join(beta, "from-beta/b.txt"), "b")
	flush(t, m, "sides")
	st := state(t, m, "sides")
	require.Contains(t, st.Alpha.Watch, "poll", "the session's mode on alpha")
	require.NotContains(t, st.Beta.Watch, "poll", "beta's own mode")
	mode := func(p string) os.FileMode {
		info, err := os.Stat(p)
		require.NoError(t, err)
		return info.Mode().Perm()
	}
	require.Equal(t, os.FileMode(0o640), mode(filepath.Join(beta, "from-alpha/a.txt")))
	require.Equal(t, os.FileMode(0o750), mode(filepath.Join(beta, "from-alpha")))
	require.Equal(t, os.FileMode(0o600), mode(filepath.Join(alpha, "from-beta/b.txt")))
	require.Equal(t, os.FileMode(0o755), mode(filepath.Join(alpha, "from-beta")), "the default directory mode on alpha")

	bad := cfg
	bad.Alpha = SideConfig{PollInterval: time.Millisecond}
	_, err = m.Create(context.Background(), CreateRequest{Name: "bad", Alpha: t.TempDir(), Beta: t.TempDir(), Config: bad})
	require.ErrorContains(t, err, "alpha: the polling interval must be at least 100ms")
}

// A flush returns once the state says how its cycle ended: listing the session right
// after sees watching, never a phase of the cycle (scanning, transitioning, saving).
func TestFlushReturnsWithTheCycleOutcome(t *testing.T) {
	m, _ := newManager(t)
	alpha, beta := t.TempDir(), filepath.Join(t.TempDir(), "mirror")
	write(t, filepath.Join(alpha, "a.txt"), "hello")
	_, err := m.Create(context.Background(), CreateRequest{Name: "outcome", Alpha: alpha, Beta: beta})
	require.NoError(t, err)
	for i := range 200 {
		write(t, filepath.Join(alpha, "a.txt"), fmt.Sprintf("edit %d", i))
		flush(t, m, "outcome")
		require.Equal(t, StatusWatching, state(t, m, "outcome").Status, "after flush %d", i)
	}
}
