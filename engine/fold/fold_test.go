package fold

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/reconcile"
	"github.com/ferrysync/ferry/engine/tree"
)

func file(content string) *tree.Entry {
	var d tree.Digest
	copy(d[:], content)
	return tree.NewFile(int64(len(content)), d, false)
}

func dir(kv ...any) *tree.Entry {
	c := map[string]*tree.Entry{}
	for i := 0; i < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1].(*tree.Entry)
	}
	return tree.NewDir(c)
}

func names(e *tree.Entry) []string {
	var out []string
	tree.Walk(e, "", func(p string, x *tree.Entry) bool {
		if p != "" {
			s := p
			if x.Kind == tree.Untracked {
				s += " (untracked)"
			}
			out = append(out, s)
		}
		return true
	})
	return out
}

const nfc, nfd = "caf\u00e9", "cafe\u0301"

func TestAlign(t *testing.T) {
	ci := Rules{Case: true}
	a, b := file("a"), file("b")
	for _, tc := range []struct {
		name             string
		rules            Rules
		anc, this, other *tree.Entry
		wantThis         []string
		wantOther        []string
		wantRenames      []Rename
	}{
		{name: "a side that tells names apart is left alone", rules: Rules{},
			this: dir("readme", a), other: dir("README", a, "Readme", b),
			wantThis: []string{"readme"}, wantOther: []string{"README", "Readme"}},
		{name: "two names the side would fold together", rules: ci,
			this: dir(), other: dir("README.md", a, "Readme.md", b, "other", a),
			wantThis: nil, wantOther: []string{"README.md (untracked)", "Readme.md (untracked)", "other"}},
		{name: "and the side's own spelling of them", rules: ci,
			this: dir("readme.md", a), other: dir("README.md", a, "Readme.md", b),
			wantThis: []string{"readme.md (untracked)"}, wantOther: []string{"README.md (untracked)", "Readme.md (untracked)"}},
		{name: "the other side changed a spelling: a rename here", rules: ci,
			anc: dir("readme.md", a), this: dir("readme.md", a), other: dir("README.md", a),
			wantThis: []string{"README.md"}, wantOther: []string{"README.md"},
			wantRenames: []Rename{{From: "readme.md", To: "README.md", Entry: a}}},
		{name: "this side changed a spelling: the other side sees a rename", rules: ci,
			anc: dir("README.md", a), this: dir("readme.md", a), other: dir("README.md", a),
			wantThis: []string{"readme.md"}, wantOther: []string{"README.md"}},
		{name: "both made the name, spelled two ways", rules: ci,
			this: dir("readme.md", a), other: dir("README.md", a),
			wantThis: []string{"README.md"}, wantOther: []string{"README.md"}},
		{name: "NFC and NFD are one name", rules: Rules{Unicode: true},
			this: dir(nfd, a), other: dir(nfc, a),
			wantThis: []string{nfc}, wantOther: []string{nfc}},
		{name: "NFC and NFD are two names where only case folds", rules: ci,
			this: dir(nfd, a), other: dir(nfc, a),
			wantThis: []string{nfd}, wantOther: []string{nfc}},
		{name: "a folder renamed, and what is below", rules: ci,
			anc: dir("src", dir("a.go", a)), this: dir("src", dir("a.go", a)), other: dir("Src", dir("A.go", a)),
			wantThis: []string{"Src", "Src/A.go"}, wantOther: []string{"Src", "Src/A.go"},
			wantRenames: []Rename{{From: "src", To: "Src", Entry: dir("a.go", a)}, {From: "Src/a.go", To: "Src/A.go", Entry: a}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Align(tc.anc, tc.this, tc.other, tc.rules, "beta")
			require.ElementsMatch(t, tc.wantThis, names(r.This))
			require.ElementsMatch(t, tc.wantOther, names(r.Other))
			require.Len(t, r.Renames, len(tc.wantRenames))
			for i, w := range tc.wantRenames {
				require.Equal(t, w.From, r.Renames[i].From)
				require.Equal(t, w.To, r.Renames[i].To)
				require.True(t, tree.Equal(w.Entry, r.Renames[i].Entry))
			}
		})
	}
}

// TestAlignedTreesReconcile checks what reconciliation makes of aligned trees: one
// file spelled two ways on two sides is no change, and two names the receiving side
// cannot hold apart are neither created nor deleted.
func TestAlignedTreesReconcile(t *testing.T) {
	a, b := file("a"), file("b")
	ci := Rules{Case: true}
	r := Align(nil, dir("readme.md", a), dir("README.md", a), ci, "beta")
	res := reconcile.Reconcile(nil, r.Other, r.This, reconcile.TwoWaySafe)
	require.Empty(t, res.AlphaChanges)
	require.Empty(t, res.BetaChanges)
	require.Empty(t, res.Conflicts)

	anc := dir("Readme.md", b)
	r = Align(anc, dir("Readme.md", b), dir("README.md", a, "Readme.md", b), ci, "beta")
	res = reconcile.Reconcile(anc, r.Other, r.This, reconcile.TwoWaySafe)
	require.Empty(t, res.AlphaChanges, "nothing deleted on alpha")
	require.Empty(t, res.BetaChanges, "neither name written on beta")
}

func TestKey(t *testing.T) {
	require.Equal(t, Rules{Case: true}.Key("README.md"), Rules{Case: true}.Key("readme.MD"))
	require.Equal(t, Rules{Unicode: true}.Key(nfc), Rules{Unicode: true}.Key(nfd))
	require.NotEqual(t, Rules{Case: true}.Key(nfc), Rules{Case: true}.Key(nfd))
	require.Equal(t, Rules{Case: true, Unicode: true}.Key("CAF\u00c9"), Rules{Case: true, Unicode: true}.Key(nfd))
}
