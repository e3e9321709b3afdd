// Package fold reconciles the spelling of names between the two sides of a session
// when one side does not tell some names apart: a case-insensitive file system (macOS
// and Windows by default, FAT, exFAT) holds README.md and Readme.md as one file, and a
// Unicode-insensitive one (APFS, HFS+) holds the NFC and NFD spellings of café as one.
//
// Align runs before reconciliation. For each directory it
//   - reports names that the insensitive side would fold together (two names on the
//     other side, or a name on the insensitive side that matches several there) as
//     untracked entries on both sides: never synchronized, never deleted, so neither is
//     written over the other;
//   - spells the insensitive side's names as the other side does where they are one
//     name there, so reconciliation compares the same paths: NFC against NFD is one
//     entry, not a deletion plus a creation;
//   - turns a change of spelling only (readme.md renamed README.md) into a rename on
//     the insensitive side, instead of a deletion plus a creation.
//
// Invariants: Align is pure (it reads trees and returns new ones); it never makes two
// entries of one directory fold together on a side that cannot hold them; a side that
// tells every name apart is returned as it is.
package fold

import (
	"maps"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/ferrysync/ferry/engine/tree"
)

// Rules say which names a side holds as one.
type Rules struct {
	// Case: names that differ only in case are one.
	Case bool
	// Unicode: names that differ only in Unicode normalization are one.
	Unicode bool
}

// Folds reports whether the rules fold any names together.
func (r Rules) Folds() bool { return r.Case || r.Unicode }

// Key returns the form of name under which the rules hold it: equal keys are one name.
func (r Rules) Key(name string) string {
	if r.Unicode {
		name = norm.NFC.String(name)
	}
	if r.Case {
		name = strings.Map(unicode.ToLower, name)
	}
	return name
}

// Rename is a change of spelling only, to apply on a side that folds them together.
type Rename struct {
	// From and To are paths that differ only in the spelling of their last name;
	// Entry is what is at From (and will be at To).
	From, To string
	Entry    *tree.Entry
}

// Problem is a path left out, and why.
type Problem struct {
	Path, Error string
}

// Result is what Align returns for one side that folds names.
type Result struct {
	// This and Other are the two sides' trees as reconciliation must see them.
	This, Other *tree.Entry
	// Renames are spelling changes to apply on this side before any other change (in
	// path order, shallow first). A change of this side at a Rename's To applies to
	// what the rename put there.
	Renames []Rename
}

// Align aligns the names of this side, whose file system folds names under rules, with
// those of the other side, given their ancestor (see the package documentation).
// thisName names this side in problems ("beta").
func Align(anc, this, other *tree.Entry, rules Rules, thisName string) Result {
	if !rules.Folds() {
		return Result{This: this, Other: other}
	}
	a := &aligner{rules: rules, side: thisName}
	t, o := a.dir("", anc, this, other)
	return Result{This: t, Other: o, Renames: a.renames}
}

type aligner struct {
	rules   Rules
	side    string
	renames []Rename
}

// collision is the untracked entry that stands for a name that collides.
func (a *aligner) collision(names []string) *tree.Entry {
	what := "case"
	if a.rules.Unicode && !a.rules.Case {
		what = "Unicode form"
	} else if a.rules.Unicode {
		what = "case or Unicode form"
	}
	return tree.NewUntracked("not synchronized: " + strings.Join(quoted(names), " and ") +
		" are one name on " + a.side + ", which does not tell names apart by " + what + "; rename one of them")
}

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "\"" + n + "\""
	}
	return out
}

// dir aligns the children of one directory on both sides and recurses.
func (a *aligner) dir(path string, anc, this, other *tree.Entry) (*tree.Entry, *tree.Entry) {
	if !isDir(this) || !isDir(other) || this.Hash() == other.Hash() {
		// Equal subtrees spell every name alike, and this side holds them all.
		return this, other
	}
	var ancC map[string]*tree.Entry
	if isDir(anc) {
		ancC = anc.Contents
	}
	byKey := func(c map[string]*tree.Entry) map[string][]string {
		m := map[string][]string{}
		for n := range c {
			k := a.rules.Key(n)
			m[k] = append(m[k], n)
		}
		for _, ns := range m {
			slices.Sort(ns)
		}
		return m
	}
	thisKeys, otherKeys := byKey(this.Contents), byKey(other.Contents)
	thisC := make(map[string]*tree.Entry, len(this.Contents))
	otherC := make(map[string]*tree.Entry, len(other.Contents))
	ancOf := map[string]string{} // the ancestor's spelling of a respelled name
	changed := false
	keys := make([]string, 0, len(thisKeys)+len(otherKeys))
	for k := range thisKeys {
		keys = append(keys, k)
	}
	for k := range otherKeys {
		if _, ok := thisKeys[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		tn, on := thisKeys[k], otherKeys[k]
		switch {
		case len(on) > 1 || len(tn) > 1:
			// Names this side cannot hold apart (or holds under several spellings, if
			// it was written by something else): left out on both sides.
			names := slices.Compact(slices.Sorted(slices.Values(append(append([]string(nil), on...), tn...))))
			bad := a.collision(names)
			for _, n := range on {
				otherC[n] = bad
			}
			for _, n := range tn {
				thisC[n] = bad
			}
			changed = true
		case len(tn) == 1 && len(on) == 1 && tn[0] != on[0]:
			// One name, two spellings.
			n, m := tn[0], on[0]
			te := this.Contents[n]
			_, ancHasN := ancC[n]
			_, ancHasM := ancC[m]
			switch {
			case ancHasN && !ancHasM:
				// The other side changed the spelling: this side follows, by a rename.
				a.renames = append(a.renames, Rename{From: tree.Join(path, n), To: tree.Join(path, m), Entry: te})
				thisC[m] = te
				otherC[m] = other.Contents[m]
				ancOf[m] = n
			case ancHasM && !ancHasN:
				// This side changed the spelling: reconciliation sees a deletion and a
				// creation, which the other side (telling names apart) applies as such.
				thisC[n] = te
				otherC[m] = other.Contents[m]
			default:
				// Both made the name, each spelling it its way: compare them as one.
				thisC[m] = te
				otherC[m] = other.Contents[m]
			}
			changed = true
		default:
			for _, n := range tn {
				thisC[n] = this.Contents[n]
			}
			for _, n := range on {
				otherC[n] = other.Contents[n]
			}
		}
	}
	// Recurse where both sides have a directory under one spelling, in name order so
	// renames come out in path order.
	for _, name := range slices.Sorted(maps.Keys(thisC)) {
		te := thisC[name]
		oe, ok := otherC[name]
		if !ok || !isDir(te) || !isDir(oe) {
			continue
		}
		ancName := name
		if n, ok := ancOf[name]; ok {
			ancName = n
		}
		nt, no := a.dir(tree.Join(path, name), ancC[ancName], te, oe)
		if nt != te {
			thisC[name], changed = nt, true
		}
		if no != oe {
			otherC[name], changed = no, true
		}
	}
	if !changed {
		return this, other
	}
	return tree.NewDir(thisC), tree.NewDir(otherC)
}

func isDir(e *tree.Entry) bool { return e != nil && e.Kind == tree.Directory }
