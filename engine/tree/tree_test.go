package tree

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Gen generates random trees for property tests in this package.
func genTree(t *rapid.T, depth int) *Entry {
	kinds := []Kind{File, File, Symlink, Directory}
	if depth == 0 {
		kinds = kinds[:3]
	}
	switch rapid.SampledFrom(kinds).Draw(t, "kind") {
	case File:
		var d Digest
		d[0] = rapid.Byte().Draw(t, "digest")
		return NewFile(rapid.Int64Range(0, 1<<40).Draw(t, "size"), d, rapid.Bool().Draw(t, "exec"))
	case Symlink:
		return NewSymlink(rapid.StringN(0, 10, -1).Draw(t, "target"))
	}
	n := rapid.IntRange(0, 4).Draw(t, "n")
	contents := map[string]*Entry{}
	for i := 0; i < n; i++ {
		name := rapid.StringMatching(`[a-z\x{e9}.]{1,6}`).Filter(ValidName).Draw(t, "name")
		contents[name] = genTree(t, depth-1)
	}
	return NewDir(contents)
}

func TestCodecRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := genTree(t, 3)
		if rapid.Bool().Draw(t, "nil") {
			e = nil
		}
		buf := Encode([]byte("x"), e)
		got, rest, err := Decode(append(buf[1:], 7))
		require.NoError(t, err)
		require.True(t, Equal(e, got))
		require.Equal(t, []byte{7}, rest)
		// Equal trees encode equally.
		require.Equal(t, buf[1:], Encode(nil, got))
	})
}

func TestDecodeRejects(t *testing.T) {
	dir := func(name string) []byte {
		b := []byte{byte(Directory), 1}
		b = appendString(b, name)
		return append(b, byte(Symlink), 0)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"unknown kind", []byte{9}},
		{"dot-dot name", dir("..")},
		{"slash in name", dir("a/b")},
		{"nul in name", dir("a\x00")},
		{"empty name", dir("")},
		{"huge count", []byte{byte(Directory), 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"truncated digest", []byte{byte(File), 0, 3, 1, 2}},
		{"bad flags", append([]byte{byte(File), 2, 0}, make([]byte, 16)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Decode(tc.data)
			require.ErrorIs(t, err, ErrCorrupt)
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(nil, NewDir(map[string]*Entry{"a": NewFile(3, Digest{1}, true), "b": NewSymlink("a")})))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, _, err := Decode(data)
		if err == nil {
			Walk(e, "", func(p string, _ *Entry) bool {
				if err := ValidPath(p); err != nil {
					t.Fatalf("decoded invalid path: %v", err)
				}
				return true
			})
		}
	})
}

func TestWith(t *testing.T) {
	f := NewFile(1, Digest{1}, false)
	root := NewDir(map[string]*Entry{"a": NewDir(map[string]*Entry{"b": f})})
	got := With(root, "a/c/d", f)
	require.Equal(t, f, Lookup(got, "a/c/d"))
	require.Equal(t, f, Lookup(got, "a/b"))
	require.Nil(t, Lookup(root, "a/c"), "original must be unchanged")
	got = With(got, "a/b", nil)
	require.Nil(t, Lookup(got, "a/b"))
	require.NotNil(t, Lookup(root, "a/b"))
}

func TestValidPath(t *testing.T) {
	for _, p := range []string{"", "a", "a/b", "a b/.c"} {
		require.NoError(t, ValidPath(p), p)
	}
	for _, p := range []string{"/a", "a/", "a//b", "..", "a/../b", "./a", "a\x00"} {
		require.Error(t, ValidPath(p), p)
	}
}

// deepEqual compares trees structurally, without hashes.
func deepEqual(a, b *Entry) bool {
	if !ShallowEqual(a, b) {
		return false
	}
	if a == nil || a.Kind != Directory {
		return true
	}
	if len(a.Contents) != len(b.Contents) {
		return false
	}
	for name, ac := range a.Contents {
		if bc, ok := b.Contents[name]; !ok || !deepEqual(ac, bc) {
			return false
		}
	}
	return true
}

func TestHashAndCountAgreeWithStructure(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := genTree(t, 3), genTree(t, 3)
		require.Equal(t, deepEqual(a, b), Equal(a, b))
		// A copy decoded from the wire hashes the same.
		c, _, err := Decode(Encode(nil, a))
		require.NoError(t, err)
		require.True(t, Equal(a, c))
		require.Equal(t, a.Hash(), c.Hash())
		var want Counts
		Walk(a, "", func(_ string, e *Entry) bool {
			switch e.Kind {
			case Directory:
				want.Directories++
			case File:
				want.Files++
				want.TotalFileSize += uint64(e.Size)
			case Symlink:
				want.Symlinks++
			}
			return true
		})
		require.Equal(t, want, Count(a))
	})
}

func TestDiffApply(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := genTree(t, 3), genTree(t, 3)
		if rapid.Bool().Draw(t, "nil old") {
			a = nil
		}
		patches := Diff(a, b)
		require.True(t, Equal(b, ApplyPatches(a, patches)))
		require.Empty(t, Diff(b, b))
		for i, p := range patches {
			for j, q := range patches {
				require.False(t, i != j && HasPrefix(q.Path, p.Path), "patches %q and %q nest", p.Path, q.Path)
			}
		}
	})
}

// Removing what is not there changes nothing: no parent directory is made up for it.
func TestWithoutWhatIsNotThere(t *testing.T) {
	root := NewDir(map[string]*Entry{"a": NewDir(nil)})
	require.Same(t, root, With(root, "b/c", nil))
	require.Same(t, root, With(root, "a/x/y", nil))
	require.Nil(t, With(nil, "b/c", nil))
	require.True(t, Equal(NewDir(map[string]*Entry{}), With(root, "a", nil)))
	require.NotNil(t, Lookup(With(root, "b/c", NewDir(nil)), "b"), "a missing parent is made for an entry")
}
