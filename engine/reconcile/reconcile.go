// Package reconcile computes what a synchronization cycle must do: a three-way merge of
// the ancestor (the last state both sides agreed on) with the current alpha and beta
// trees, under one of four modes.
//
// Invariants (each is checked by the property tests in this package):
//   - Reconcile is pure: it reads three trees and returns changes; it never touches the
//     disk and never mutates its inputs.
//   - Every change names the entry the target side had when it was scanned (Old), so the
//     transition can refuse to act if the disk no longer matches.
//   - Changes on one side never nest: no change's path lies below another's.
//   - New trees never contain untracked entries, and paths holding untracked content on
//     either side are left alone.
//   - In the safe modes, content that changed on a side since the ancestor is never
//     deleted or overwritten on that side; such disagreements become conflicts (or, for a
//     deletion against a modification, the modification is kept on both sides).
//   - With every change applied, the sides agree on every path that is not in conflict,
//     except content one-way-safe leaves on beta.
package reconcile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ferrysync/ferry/engine/tree"
)

// Mode selects how disagreements are resolved.
type Mode uint8

// The synchronization modes.
const (
	// TwoWaySafe propagates changes both ways; edits on both sides are conflicts.
	TwoWaySafe Mode = iota + 1
	// TwoWayResolved propagates both ways; alpha wins every conflict.
	TwoWayResolved
	// OneWaySafe propagates alpha to beta, never overwriting content changed on beta.
	OneWaySafe
	// OneWayReplica makes beta an exact copy of alpha.
	OneWayReplica
)

var modeNames = map[Mode]string{
	TwoWaySafe:     "two-way-safe",
	TwoWayResolved: "two-way-resolved",
	OneWaySafe:     "one-way-safe",
	OneWayReplica:  "one-way-replica",
}

func (m Mode) String() string {
	if s, ok := modeNames[m]; ok {
		return s
	}
	return fmt.Sprintf("mode(%d)", uint8(m))
}

// ParseMode returns the mode with the given name; "" is the default, two-way-safe.
func ParseMode(s string) (Mode, error) {
	if s == "" {
		return TwoWaySafe, nil
	}
	for m, name := range modeNames {
		if name == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown mode %q: use two-way-safe, two-way-resolved, one-way-safe or one-way-replica", s)
}

// Conflict is a path where both sides changed and the mode will not choose.
type Conflict struct {
	Path                  string
	Ancestor, Alpha, Beta *tree.Entry
}

// Result is the outcome of a reconciliation.
type Result struct {
	// Ancestor is the input ancestor updated with every path on which the sides already
	// agree. Paths with pending changes keep their old ancestor entry until the
	// transition reports what it did.
	Ancestor *tree.Entry
	// AlphaChanges and BetaChanges are the changes to apply to each side, in path order.
	AlphaChanges, BetaChanges []tree.Change
	// Conflicts are the disagreements left for the user, in path order.
	Conflicts []Conflict
}

// Reconcile merges ancestor, alpha and beta under mode.
func Reconcile(ancestor, alpha, beta *tree.Entry, mode Mode) Result {
	r := &reconciler{mode: mode}
	anc := r.walk("", ancestor, alpha, beta)
	return Result{Ancestor: anc, AlphaChanges: r.alpha, BetaChanges: r.beta, Conflicts: r.conflicts}
}

type reconciler struct {
	mode        Mode
	alpha, beta []tree.Change
	conflicts   []Conflict
}

// walk reconciles one path and returns the ancestor entry for it.
func (r *reconciler) walk(path string, anc, a, b *tree.Entry) *tree.Entry {
	if isUntracked(a) || isUntracked(b) {
		return anc
	}
	if a != nil && b != nil && a.Kind == tree.Directory && b.Kind == tree.Directory {
		return r.walkDirs(path, anc, a, b)
	}
	if tree.ShallowEqual(a, b) {
		return a
	}
	switch r.mode {
	case TwoWaySafe, TwoWayResolved:
		r.twoWay(path, anc, a, b)
	case OneWaySafe:
		r.oneWaySafe(path, anc, a, b)
	case OneWayReplica:
		r.propagate(&r.beta, path, b, a)
	}
	return anc
}

// walkDirs recurses into two directories and builds their ancestor, sharing the alpha
// directory's entry when every child agrees with it.
func (r *reconciler) walkDirs(path string, anc, a, b *tree.Entry) *tree.Entry {
	if a.Hash() == b.Hash() {
		// Equal subtrees agree everywhere: nothing below needs a look.
		return a
	}
	var ancContents map[string]*tree.Entry
	if anc != nil && anc.Kind == tree.Directory {
		ancContents = anc.Contents
	}
	contents := make(map[string]*tree.Entry, len(a.Contents))
	same := true
	for _, name := range unionNames(ancContents, a.Contents, b.Contents) {
		ac := a.Contents[name]
		child := r.walk(tree.Join(path, name), ancContents[name], ac, b.Contents[name])
		if child != nil {
			contents[name] = child
		}
		if child != ac {
			same = false
		}
	}
	if same && len(contents) == len(a.Contents) {
		return a
	}
	return tree.NewDir(contents)
}

// twoWay handles a path where alpha and beta differ, in the two-way modes.
func (r *reconciler) twoWay(path string, anc, a, b *tree.Entry) {
	aChanged, bChanged := !tree.Equal(anc, a), !tree.Equal(anc, b)
	switch {
	case !bChanged:
		r.propagate(&r.beta, path, b, a)
	case !aChanged:
		r.propagate(&r.alpha, path, a, b)
	case r.mode == TwoWayResolved:
		r.propagate(&r.beta, path, b, a)
	case a == nil:
		r.keepModification(&r.alpha, &r.beta, path, anc, b)
	case b == nil:
		r.keepModification(&r.beta, &r.alpha, path, anc, a)
	default:
		r.conflict(path, anc, a, b)
	}
}

// oneWaySafe handles a path where alpha and beta differ, in one-way-safe mode.
func (r *reconciler) oneWaySafe(path string, anc, a, b *tree.Entry) {
	switch {
	case b == nil || tree.Equal(anc, b):
		r.propagate(&r.beta, path, b, a)
	case a == nil && anc == nil:
		// Content created only on beta is left alone.
	case a == nil && anc.Kind == tree.Directory && b.Kind == tree.Directory:
		// Alpha deleted a directory in which beta changed something: delete what beta
		// did not change, keep (and report) the rest.
		kept, deletions := survivors(path, anc, b)
		if kept == nil {
			r.propagate(&r.beta, path, b, nil)
			return
		}
		r.beta = append(r.beta, deletions...)
		var files []string
		tree.Walk(kept, path, func(p string, e *tree.Entry) bool {
			if e.Kind != tree.Directory {
				files = append(files, p)
			}
			return true
		})
		// In path order, as the walk of the trees reports conflicts (Walk follows
		// the map's order).
		slices.SortFunc(files, comparePaths)
		for _, p := range files {
			r.conflict(p, tree.Lookup(anc, relTo(p, path)), nil, tree.Lookup(kept, relTo(p, path)))
		}
	default:
		r.conflict(path, anc, a, b)
	}
}

// keepModification resolves a deletion on one side against a modification on the other
// without losing the modification: what the modifying side changed is recreated on the
// deleting side, and what it did not change is deleted there.
func (r *reconciler) keepModification(deleted, modifying *[]tree.Change, path string, anc, kept *tree.Entry) {
	if anc == nil || anc.Kind != tree.Directory || kept.Kind != tree.Directory {
		r.propagate(deleted, path, nil, kept)
		return
	}
	survived, deletions := survivors(path, anc, kept)
	if survived == nil {
		r.propagate(modifying, path, kept, nil)
		return
	}
	r.propagate(deleted, path, nil, survived)
	*modifying = append(*modifying, deletions...)
}

// survivors splits kept, a directory whose ancestor anc was deleted on the other side,
// into the part that changed since anc (returned as a pruned directory, nil if nothing
// changed) and deletions of the unchanged rest.
func survivors(path string, anc, kept *tree.Entry) (*tree.Entry, []tree.Change) {
	var deletions []tree.Change
	contents := map[string]*tree.Entry{}
	var ancContents map[string]*tree.Entry
	if anc != nil && anc.Kind == tree.Directory {
		ancContents = anc.Contents
	}
	for _, name := range unionNames(nil, kept.Contents, nil) {
		k, a := kept.Contents[name], ancContents[name]
		p := tree.Join(path, name)
		switch {
		case isUntracked(k):
			// Never deleted, never copied; the directory stays on this side.
			contents[name] = k
		case tree.Equal(a, k):
			deletions = append(deletions, tree.Change{Path: p, Old: k})
		case k.Kind == tree.Directory && a != nil && a.Kind == tree.Directory:
			sub, subDeletions := survivors(p, a, k)
			deletions = append(deletions, subDeletions...)
			if sub != nil {
				contents[name] = sub
			} else {
				deletions = append(deletions, tree.Change{Path: p, Old: k})
			}
		default:
			contents[name] = k
		}
	}
	if len(contents) == 0 {
		return nil, nil
	}
	return tree.NewDir(contents), deletions
}

// propagate records a change on one side from old to new.
func (r *reconciler) propagate(side *[]tree.Change, path string, old, new *tree.Entry) {
	*side = append(*side, tree.Change{Path: path, Old: old, New: stripUntracked(new)})
}

func (r *reconciler) conflict(path string, anc, a, b *tree.Entry) {
	r.conflicts = append(r.conflicts, Conflict{Path: path, Ancestor: anc, Alpha: a, Beta: b})
}

func isUntracked(e *tree.Entry) bool { return e != nil && e.Kind == tree.Untracked }

// stripUntracked returns e without untracked entries, which are never created.
func stripUntracked(e *tree.Entry) *tree.Entry {
	if e == nil || e.Kind == tree.Untracked {
		return nil
	}
	if e.Kind != tree.Directory {
		return e
	}
	var contents map[string]*tree.Entry
	changed := false
	for name, c := range e.Contents {
		s := stripUntracked(c)
		if s != c {
			changed = true
		}
		if s != nil {
			if contents == nil {
				contents = make(map[string]*tree.Entry, len(e.Contents))
			}
			contents[name] = s
		}
	}
	if !changed {
		return e
	}
	return tree.NewDir(contents)
}

// unionNames returns the names present in any of the maps, sorted.
func unionNames(maps ...map[string]*tree.Entry) []string {
	n := 0
	for _, m := range maps {
		n = max(n, len(m))
	}
	names := make([]string, 0, n)
	for i, m := range maps {
		for name := range m {
			seen := false
			for _, prev := range maps[:i] {
				if _, ok := prev[name]; ok {
					seen = true
					break
				}
			}
			if !seen {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// comparePaths orders paths as a depth-first walk with sorted names visits them.
func comparePaths(x, y string) int {
	return slices.Compare(strings.Split(x, "/"), strings.Split(y, "/"))
}

// relTo returns p relative to base (p lies at or below base).
func relTo(p, base string) string {
	if base == "" {
		return p
	}
	if p == base {
		return ""
	}
	return p[len(base)+1:]
}

// MarshalText implements encoding.TextMarshaler.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	*m = v
	return err
}
