package reconcile

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/ferrysync/ferry/engine/tree"
)

// Trees for property tests come from a tiny alphabet so that the three trees overlap.
var names = []string{"a", "b", "c"}

func genEntry(t *rapid.T, depth int, untracked bool) *tree.Entry {
	choices := []string{"file", "file", "exec", "link", "dir", "dir"}
	if depth == 0 {
		choices = choices[:4]
	}
	if untracked {
		choices = append(choices, "untracked")
	}
	switch rapid.SampledFrom(choices).Draw(t, "kind") {
	case "file", "exec":
		c := rapid.IntRange(1, 3).Draw(t, "content")
		return tree.NewFile(int64(c), tree.Digest{byte(c)}, rapid.Bool().Draw(t, "exec"))
	case "link":
		return tree.NewSymlink(rapid.SampledFrom([]string{"x", "y"}).Draw(t, "target"))
	case "untracked":
		return tree.NewUntracked("socket")
	}
	return genDir(t, depth-1, untracked)
}

func genDir(t *rapid.T, depth int, untracked bool) *tree.Entry {
	contents := map[string]*tree.Entry{}
	for _, name := range names {
		if rapid.IntRange(0, 2).Draw(t, "present") > 0 {
			contents[name] = genEntry(t, depth, untracked)
		}
	}
	return tree.NewDir(contents)
}

// mutate returns e with random edits: kept, replaced, removed, or (for directories)
// edited inside.
func mutate(t *rapid.T, e *tree.Entry, depth int, untracked bool) *tree.Entry {
	switch rapid.IntRange(0, 9).Draw(t, "op") {
	case 0, 1:
		if depth == 0 {
			return e
		}
		return genEntry(t, depth, untracked)
	case 2:
		return nil
	case 3, 4, 5:
		if e == nil || e.Kind != tree.Directory {
			return e
		}
		contents := map[string]*tree.Entry{}
		for _, name := range names {
			var c *tree.Entry
			if old, ok := e.Contents[name]; ok {
				c = mutate(t, old, depth-1, untracked)
			} else if rapid.IntRange(0, 3).Draw(t, "add") == 0 {
				c = genEntry(t, depth-1, untracked)
			}
			if c != nil {
				contents[name] = c
			}
		}
		return tree.NewDir(contents)
	}
	return e
}

type triple struct{ anc, alpha, beta *tree.Entry }

func genTriple(t *rapid.T, untracked bool) triple {
	anc := genDir(t, 3, false)
	alpha := mutate(t, anc, 3, untracked)
	beta := mutate(t, anc, 3, untracked)
	// The session halts instead of reconciling a missing root; keep roots present.
	if alpha == nil {
		alpha = tree.NewDir(nil)
	}
	if beta == nil {
		beta = tree.NewDir(nil)
	}
	if rapid.IntRange(0, 9).Draw(t, "first") == 0 {
		anc = nil
	}
	return triple{anc, alpha, beta}
}

// apply applies changes to a side the way a fully successful transition would.
func apply(side *tree.Entry, changes []tree.Change) *tree.Entry {
	for _, c := range changes {
		side = tree.With(side, c.Path, c.New)
	}
	return side
}

// nextAncestor updates the reconciled ancestor with the changes' results, shallow paths
// first, as the session does after a transition.
func nextAncestor(res Result) *tree.Entry {
	all := append(slices.Clone(res.AlphaChanges), res.BetaChanges...)
	slices.SortStableFunc(all, func(a, b tree.Change) int { return tree.Depth(a.Path) - tree.Depth(b.Path) })
	return apply(res.Ancestor, all)
}

func hasUntracked(e *tree.Entry) bool {
	found := false
	tree.Walk(e, "", func(_ string, e *tree.Entry) bool {
		found = found || e.Kind == tree.Untracked
		return !found
	})
	return found
}

// checkWellFormed checks the structural invariants of a result.
func checkWellFormed(t require.TestingT, alpha, beta *tree.Entry, res Result) {
	for i := 1; i < len(res.Conflicts); i++ {
		require.Negative(t, comparePaths(res.Conflicts[i-1].Path, res.Conflicts[i].Path),
			"conflicts in path order: %q then %q", res.Conflicts[i-1].Path, res.Conflicts[i].Path)
	}
	for _, side := range []struct {
		root    *tree.Entry
		changes []tree.Change
	}{{alpha, res.AlphaChanges}, {beta, res.BetaChanges}} {
		for i, c := range side.changes {
			require.True(t, tree.Equal(tree.Lookup(side.root, c.Path), c.Old), "change %q: Old must be what the side has", c.Path)
			if c.Path != "" {
				parent, _ := tree.Split(c.Path)
				p := tree.Lookup(side.root, parent)
				require.True(t, p != nil && p.Kind == tree.Directory, "change %q: parent must be a directory", c.Path)
			}
			require.False(t, hasUntracked(c.New), "change %q creates untracked content", c.Path)
			require.False(t, tree.Equal(c.Old, c.New), "change %q does nothing", c.Path)
			for j, d := range side.changes {
				require.False(t, i != j && tree.HasPrefix(d.Path, c.Path), "changes %q and %q nest", c.Path, d.Path)
			}
		}
	}
}

// changedSince lists the entries of side that differ from the ancestor at their path:
// the content a safe mode must never delete or overwrite on that side.
func changedSince(anc, side *tree.Entry) map[string]*tree.Entry {
	out := map[string]*tree.Entry{}
	tree.Walk(side, "", func(p string, e *tree.Entry) bool {
		if !tree.ShallowEqual(tree.Lookup(anc, p), e) {
			out[p] = e
		}
		return true
	})
	return out
}

func checkPreserved(t *rapid.T, what string, changed map[string]*tree.Entry, after *tree.Entry) {
	for p, e := range changed {
		require.True(t, tree.ShallowEqual(e, tree.Lookup(after, p)), "%s content at %q changed since the ancestor was lost", what, p)
	}
}

func TestPropertyWellFormed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tr := genTriple(t, true)
		mode := rapid.SampledFrom(allModes).Draw(t, "mode")
		res := Reconcile(tr.anc, tr.alpha, tr.beta, mode)
		checkWellFormed(t, tr.alpha, tr.beta, res)
		if mode == OneWaySafe || mode == OneWayReplica {
			require.Empty(t, res.AlphaChanges, "one-way modes never change alpha")
		}
	})
}

func TestPropertyConvergence(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tr := genTriple(t, false)
		mode := rapid.SampledFrom([]Mode{TwoWaySafe, TwoWayResolved}).Draw(t, "mode")
		res := Reconcile(tr.anc, tr.alpha, tr.beta, mode)
		alpha, beta := apply(tr.alpha, res.AlphaChanges), apply(tr.beta, res.BetaChanges)
		if len(res.Conflicts) == 0 {
			require.True(t, tree.Equal(alpha, beta), "no conflicts, yet the sides differ")
		}
		// A second cycle over the result has nothing left to do.
		again := Reconcile(nextAncestor(res), alpha, beta, mode)
		require.Empty(t, again.AlphaChanges)
		require.Empty(t, again.BetaChanges)
		require.Len(t, again.Conflicts, len(res.Conflicts))
		if len(res.Conflicts) == 0 {
			require.True(t, tree.Equal(again.Ancestor, alpha), "the ancestor must record the agreed tree")
		}
	})
}

func TestPropertySafety(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tr := genTriple(t, rapid.Bool().Draw(t, "untracked"))
		mode := rapid.SampledFrom([]Mode{TwoWaySafe, OneWaySafe}).Draw(t, "mode")
		res := Reconcile(tr.anc, tr.alpha, tr.beta, mode)
		alpha, beta := apply(tr.alpha, res.AlphaChanges), apply(tr.beta, res.BetaChanges)
		checkPreserved(t, "beta", changedSince(tr.anc, tr.beta), beta)
		if mode == TwoWaySafe {
			checkPreserved(t, "alpha", changedSince(tr.anc, tr.alpha), alpha)
		}
		for _, side := range [][]tree.Change{res.AlphaChanges, res.BetaChanges} {
			for _, c := range side {
				require.False(t, hasUntracked(c.Old) && c.New == nil, "change %q deletes untracked content", c.Path)
			}
		}
	})
}

func TestPropertyOneWaySafe(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tr := genTriple(t, false)
		res := Reconcile(tr.anc, tr.alpha, tr.beta, OneWaySafe)
		beta := apply(tr.beta, res.BetaChanges)
		if len(res.Conflicts) == 0 {
			tree.Walk(tr.alpha, "", func(p string, e *tree.Entry) bool {
				require.True(t, tree.ShallowEqual(e, tree.Lookup(beta, p)), "alpha's %q missing on beta", p)
				return true
			})
		}
		again := Reconcile(nextAncestor(res), tr.alpha, beta, OneWaySafe)
		require.Empty(t, again.BetaChanges)
	})
}

func TestPropertyReplica(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tr := genTriple(t, false)
		res := Reconcile(tr.anc, tr.alpha, tr.beta, OneWayReplica)
		require.Empty(t, res.Conflicts)
		require.True(t, tree.Equal(tr.alpha, apply(tr.beta, res.BetaChanges)), "beta must equal alpha")
	})
}

func TestPure(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tr := genTriple(t, true)
		enc := func() []byte {
			return tree.Encode(tree.Encode(tree.Encode(nil, tr.anc), tr.alpha), tr.beta)
		}
		before := enc()
		Reconcile(tr.anc, tr.alpha, tr.beta, rapid.SampledFrom(allModes).Draw(t, "mode"))
		require.Equal(t, before, enc(), "reconcile mutated its inputs")
	})
}

func TestParseMode(t *testing.T) {
	for _, m := range allModes {
		got, err := ParseMode(m.String())
		require.NoError(t, err)
		require.Equal(t, m, got)
	}
	got, err := ParseMode("")
	require.NoError(t, err)
	require.Equal(t, TwoWaySafe, got)
	_, err = ParseMode("two-way")
	require.ErrorContains(t, err, "use two-way-safe")
}
