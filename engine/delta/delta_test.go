package delta

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// tester is what testing.T and rapid.T have in common.
type tester interface {
	require.TestingT
	Helper()
	Fatalf(format string, args ...any)
}

// result is what one trip through Sign, Diff, the wire encoding and a
// Patcher gave.
type result struct {
	out     []byte // the rebuilt target
	ops     []Op   // as Diff emitted them, Data copied
	literal int    // bytes sent as data
}

// roundTrip signs base with block size bs, diffs target against the
// signature read through readers, sends the ops through AppendOp and ReadOp,
// and applies them to base.
func roundTrip(t tester, base, target []byte, bs uint32, wrap func(io.Reader) io.Reader) result {
	t.Helper()
	sig, err := sign(bytes.NewReader(base), int64(len(base)), bs)
	require.NoError(t, err)
	var res result
	var wire []byte
	err = Diff(sig, wrap(bytes.NewReader(target)), func(op Op) error {
		op.Data = bytes.Clone(op.Data)
		res.ops = append(res.ops, op)
		res.literal += len(op.Data)
		wire = AppendOp(wire, op)
		return nil
	})
	require.NoError(t, err)

	var out bytes.Buffer
	p := NewPatcher(bytes.NewReader(base), sig.BlockSize, sig.Size, &out)
	r := bufio.NewReader(bytes.NewReader(wire))
	scratch := make([]byte, MaxDataLen)
	for {
		op, err := ReadOp(r, scratch)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		require.NoError(t, p.Apply(op))
	}
	require.Equal(t, int64(out.Len()), p.Written())
	res.out = out.Bytes()
	return res
}

func identity(r io.Reader) io.Reader { return r }

// checkOps checks what Diff promises about its ops besides rebuilding the
// target: literal chunks are 1 to MaxDataLen bytes and copy runs are merged.
func checkOps(t tester, ops []Op) {
	t.Helper()
	for i, op := range ops {
		switch op.Kind {
		case OpData:
			require.NotEmpty(t, op.Data, "op %d", i)
			require.LessOrEqual(t, len(op.Data), MaxDataLen, "op %d", i)
		case OpCopy:
			require.NotZero(t, op.Count, "op %d", i)
			if i > 0 && ops[i-1].Kind == OpCopy {
				prev := ops[i-1]
				require.NotEqual(t, prev.Block+prev.Count, op.Block, "ops %d and %d are one run", i-1, i)
			}
		default:
			t.Fatalf("op %d has kind %v", i, op.Kind)
		}
	}
}

func randomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16)}).Read(b)
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestDiff(t *testing.T) {
	const bs = MinBlockSize // BlockSizeFor of every base below
	base := randomBytes(1, 10*bs+123)
	whole := randomBytes(1, 10*bs) // no short last block
	news := randomBytes(2, 300)
	tail := base[10*bs:]
	tests := []struct {
		name        string
		base        []byte
		target      []byte
		wantLiteral int // at most
		wantOps     int // exactly, when not 0
	}{
		{"both empty", nil, nil, 0, 0},
		{"empty base", nil, news, len(news), 1},
		{"empty target", base, nil, 0, 0},
		{"identical", base, base, 0, 1},
		{"identical, all blocks full", whole, whole, 0, 1},
		{"append", base, cat(base, news), len(news), 2},
		{"prepend", base, cat(news, base), len(news), 2},
		{"insert in the middle", base, cat(base[:3*bs+50], news, base[3*bs+50:]), bs + len(news), 3},
		{"delete in the middle", base, cat(base[:3*bs+50], base[3*bs+150:]), bs, 3},
		{"delete a whole block", base, cat(base[:3*bs], base[4*bs:]), 0, 2},
		{"swap two blocks", base, cat(base[:2*bs], base[3*bs:4*bs], base[2*bs:3*bs], base[4*bs:]), 0, 4},
		{"edit at a block start", base, cat(base[:4*bs], news[:10], base[4*bs+10:]), bs, 3},
		{"edit at a block end", base, cat(base[:5*bs-10], news[:10], base[5*bs:]), bs, 3},
		{"edit across a block boundary", base, cat(base[:5*bs-5], news[:10], base[5*bs+5:]), 2 * bs, 3},
		{"edit in the block before the short one", base, cat(base[:9*bs+5], news[:10], base[9*bs+15:]), bs, 3},
		{"short last block moved to the front is sent", base, cat(tail, base[:10*bs]), len(tail), 2},
		{"base shorter than a block, appended to", news[:200], cat(news[:200], base[:50]), 50, 2},
		{"base shorter than a block, prepended to", news[:200], cat(base[:50], news[:200]), 50, 2},
		{"target shorter than a block", base, base[bs : bs+300], 300, 1},
		{"target is the short last block", base, tail, 0, 1},
		{"target is one byte", base, base[:1], 1, 1},
		{"unrelated", base, news, len(news), 1},
		{"zeros grow", make([]byte, 10*bs), make([]byte, 12*bs+600), 600, 0},
		{"long literal run", base, cat(base[:bs], randomBytes(3, 3*MaxDataLen+7), base[bs:]), 3*MaxDataLen + 7, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, uint32(bs), BlockSizeFor(int64(len(tt.base))))
			for _, wrap := range []func(io.Reader) io.Reader{identity, iotest.OneByteReader, iotest.HalfReader} {
				res := roundTrip(t, tt.base, tt.target, bs, wrap)
				require.True(t, bytes.Equal(tt.target, res.out), "rebuilt target differs")
				checkOps(t, res.ops)
				require.LessOrEqual(t, res.literal, tt.wantLiteral)
				if tt.wantOps != 0 {
					require.Len(t, res.ops, tt.wantOps)
				}
			}
		})
	}
}

func TestDiffNilSignature(t *testing.T) {
	target := randomBytes(4, 2*MaxDataLen+1)
	var out []byte
	var sizes []int
	err := Diff(nil, bytes.NewReader(target), func(op Op) error {
		require.Equal(t, OpData, op.Kind)
		out = append(out, op.Data...)
		sizes = append(sizes, len(op.Data))
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, target, out)
	require.Equal(t, []int{MaxDataLen, MaxDataLen, 1}, sizes)
}

func TestDiffErrors(t *testing.T) {
	base := randomBytes(5, 5000)
	sig, err := Sign(bytes.NewReader(base), int64(len(base)))
	require.NoError(t, err)
	stop := errors.New("stop")

	err = Diff(sig, bytes.NewReader(base), func(Op) error { return stop })
	require.ErrorIs(t, err, stop, "emit's error")

	err = Diff(sig, iotest.ErrReader(stop), func(Op) error { return nil })
	require.ErrorIs(t, err, stop, "the target's error")

	bad := *sig
	bad.Blocks = bad.Blocks[1:]
	err = Diff(&bad, bytes.NewReader(base), func(Op) error { return nil })
	require.ErrorIs(t, err, ErrMalformed, "a signature missing a block")
}

func TestSignShortBase(t *testing.T) {
	_, err := Sign(bytes.NewReader(make([]byte, 10)), 11)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	_, err = Sign(bytes.NewReader(nil), -1)
	require.Error(t, err)
}

func TestBlockSizeFor(t *testing.T) {
	tests := []struct {
		size int64
		want uint32
	}{
		{0, MinBlockSize},
		{1 << 10, MinBlockSize},
		{MinBlockSize * MinBlockSize, MinBlockSize},
		{1_000_000, 1000},
		{256 << 20, 16 << 10},
		{1 << 40, MaxBlockSize},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, BlockSizeFor(tt.size), "size %d", tt.size)
	}
}

// TestWeakHashRolls checks that rolling the weak hash byte by byte gives the
// hash of each window computed from scratch.
func TestWeakHashRolls(t *testing.T) {
	data := randomBytes(6, 3000)
	for _, n := range []int{1, 7, 8, 9, 700, 1024} {
		sig := &Signature{BlockSize: uint32(n), Size: int64(n), Blocks: make([]Block, 1)}
		x := newIndex(sig)
		g := hashWindow(data[:n])
		for i := 0; i+n < len(data); i++ {
			g = x.roll(data, i, g)
			require.Equal(t, hashWindow(data[i+1:i+1+n]), g, "window %d of %d bytes", i+1, n)
		}
	}
}

func TestPatcherRejectsBadOps(t *testing.T) {
	const bs = 100
	base := randomBytes(7, 1050) // 11 blocks, the last of 50 bytes
	tests := []struct {
		name string
		op   Op
	}{
		{"block past the end", Op{Kind: OpCopy, Block: 11, Count: 1}},
		{"run past the end", Op{Kind: OpCopy, Block: 5, Count: 7}},
		{"run that overflows uint32", Op{Kind: OpCopy, Block: 1<<32 - 1, Count: 1<<32 - 1}},
		{"copy of no blocks", Op{Kind: OpCopy, Block: 0, Count: 0}},
		{"empty data", Op{Kind: OpData}},
		{"unknown kind", Op{Kind: 9, Data: []byte("x")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPatcher(bytes.NewReader(base), bs, int64(len(base)), io.Discard)
			require.ErrorIs(t, p.Apply(tt.op), ErrBadOp)
		})
	}

	var out bytes.Buffer
	p := NewPatcher(bytes.NewReader(base), bs, int64(len(base)), &out)
	require.NoError(t, p.Apply(Op{Kind: OpCopy, Block: 10, Count: 1}))
	require.Equal(t, base[1000:], out.Bytes(), "the short last block")

	p = NewPatcher(bytes.NewReader(base[:1020]), bs, int64(len(base)), io.Discard)
	require.ErrorIs(t, p.Apply(Op{Kind: OpCopy, Block: 9, Count: 2}), io.ErrUnexpectedEOF, "a base shorter than its size")

	p = NewPatcher(nil, 0, 0, io.Discard)
	require.ErrorIs(t, p.Apply(Op{Kind: OpCopy, Block: 0, Count: 1}), ErrBadOp, "no base")
}

// TestScanFindsFirstCandidate checks scan against a plain search for the
// first window whose weak hash a block has, on data where many do.
func TestScanFindsFirstCandidate(t *testing.T) {
	const bs = 4
	base := content(10, 64, 4)
	data := content(11, 2000, 4)
	sig, err := sign(bytes.NewReader(base), int64(len(base)), bs)
	require.NoError(t, err)
	x := newIndex(sig)
	weak := map[uint32]bool{}
	for _, b := range sig.Blocks {
		weak[b.Weak] = true
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		i := r.IntN(len(data) - bs)
		last := i + r.IntN(len(data)-bs-i+1)
		want := i
		for want < last && !weak[weakOf(hashWindow(data[want:want+bs]))] {
			want++
		}
		got, g, hit := x.scan(data, i, last, hashWindow(data[i:i+bs]))
		require.Equal(t, want, got, "scan from %d to %d", i, last)
		require.Equal(t, hashWindow(data[got:got+bs]), g)
		require.Equal(t, weak[weakOf(g)], hit)
	}
}
