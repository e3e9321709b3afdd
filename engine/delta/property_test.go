package delta

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// edit is one change that turns a base into a target.
type edit struct {
	kind   int // 0 insert, 1 delete, 2 overwrite
	at     int // fraction of the length, in 1/1000
	length int
	seed   uint64
}

func (e edit) apply(b []byte) []byte {
	at := len(b) * e.at / 1000
	switch e.kind {
	case 0:
		return cat(b[:at], randomBytes(e.seed, e.length), b[at:])
	case 1:
		return cat(b[:at], b[min(at+e.length, len(b)):])
	default:
		b = bytes.Clone(b)
		copy(b[at:], randomBytes(e.seed, e.length))
		return b
	}
}

// added is how many new bytes e puts in the target.
func (e edit) added() int {
	if e.kind == 1 {
		return 0
	}
	return e.length
}

var editGen = rapid.Custom(func(t *rapid.T) edit {
	return edit{
		kind:   rapid.IntRange(0, 2).Draw(t, "kind"),
		at:     rapid.IntRange(0, 1000).Draw(t, "at"),
		length: rapid.IntRange(1, 600).Draw(t, "length"),
		seed:   rapid.Uint64().Draw(t, "seed"),
	}
})

// content returns n bytes over an alphabet of the given size: small
// alphabets make repeated blocks and weak hash collisions.
func content(seed uint64, n, alphabet int) []byte {
	b := randomBytes(seed, n)
	if alphabet < 256 {
		for i := range b {
			b[i] %= byte(alphabet)
		}
	}
	return b
}

// TestDiffRebuildsAnyTarget checks the package's main invariant: applying
// the ops of Diff(Sign(base), target) to base gives target, whatever the
// data, block size, edits and read sizes. On random data, where no block
// matches by chance, it also bounds the literal bytes: an edit costs its own
// new bytes and the at most two blocks it touches, and the short last block
// may be sent once more.
func TestDiffRebuildsAnyTarget(t *testing.T) {
	wraps := []func(io.Reader) io.Reader{identity, iotest.OneByteReader, iotest.HalfReader, iotest.DataErrReader}
	rapid.Check(t, func(t *rapid.T) {
		alphabet := rapid.SampledFrom([]int{1, 2, 4, 256}).Draw(t, "alphabet")
		size := rapid.IntRange(0, 20000).Draw(t, "size")
		if rapid.Bool().Draw(t, "large") {
			size += 3 * MaxDataLen // past Diff's first buffer
		}
		base := content(rapid.Uint64().Draw(t, "seed"), size, alphabet)
		bs := rapid.SampledFrom([]uint32{1, 2, 7, 8, 64, 333, 700, 4096}).Draw(t, "blockSize")
		edits := rapid.SliceOfN(editGen, 0, 6).Draw(t, "edits")
		wrap := rapid.SampledFrom(wraps).Draw(t, "wrap")
		target := base
		bound := int(bs)
		for _, e := range edits {
			target = e.apply(target)
			bound += e.added() + 2*int(bs)
		}

		res := roundTrip(t, base, target, bs, wrap)
		if !bytes.Equal(target, res.out) {
			t.Fatalf("rebuilt target differs: %d bytes, want %d", len(res.out), len(target))
		}
		checkOps(t, res.ops)
		if alphabet == 256 && bs >= 64 && res.literal > bound {
			t.Fatalf("%d literal bytes, want at most %d", res.literal, bound)
		}
	})
}

// TestDiffOfSimilarFilesIsSmall checks that a few small edits to a file of
// a few hundred KiB, with the block size Sign picks, send a small part of it.
func TestDiffOfSimilarFilesIsSmall(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := randomBytes(rapid.Uint64().Draw(t, "seed"), rapid.IntRange(64<<10, 512<<10).Draw(t, "size"))
		target := base
		for _, e := range rapid.SliceOfN(editGen, 1, 3).Draw(t, "edits") {
			e.length = e.length%100 + 1
			target = e.apply(target)
		}
		res := roundTrip(t, base, target, BlockSizeFor(int64(len(base))), identity)
		if !bytes.Equal(target, res.out) {
			t.Fatalf("rebuilt target differs")
		}
		if res.literal*20 > len(target) {
			t.Fatalf("%d literal bytes for a target of %d", res.literal, len(target))
		}
	})
}

// TestDiffSplitsLongLiterals runs past MaxDataLen with the smallest useful
// fixture: an unrelated target much longer than the base.
func TestDiffSplitsLongLiterals(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := randomBytes(8, 3000)
	target := cat(base[:1000], randomBytes(9, 5*MaxDataLen+r.IntN(1000)), base[1000:])
	res := roundTrip(t, base, target, 100, identity)
	require.Equal(t, target, res.out)
	checkOps(t, res.ops)
	require.LessOrEqual(t, res.literal, len(target)-2900)
}
