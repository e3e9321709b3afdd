package delta

import (
	"bufio"
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

var signatureGen = rapid.Custom(func(t *rapid.T) *Signature {
	bs := rapid.Uint32Range(1, MaxBlockSize).Draw(t, "blockSize")
	n := rapid.IntRange(0, 50).Draw(t, "blocks")
	size := int64(n) * int64(bs)
	if n > 0 {
		size -= rapid.Int64Range(0, int64(bs)-1).Draw(t, "short")
	}
	sig := &Signature{BlockSize: bs, Size: size, Blocks: make([]Block, n)}
	for i := range sig.Blocks {
		sig.Blocks[i].Weak = rapid.Uint32().Draw(t, "weak")
		copy(sig.Blocks[i].Strong[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "strong"))
	}
	return sig
})

var opGen = rapid.Custom(func(t *rapid.T) Op {
	if rapid.Bool().Draw(t, "copy") {
		return Op{Kind: OpCopy, Block: rapid.Uint32().Draw(t, "block"), Count: rapid.Uint32Min(1).Draw(t, "count")}
	}
	return Op{Kind: OpData, Data: rapid.SliceOfN(rapid.Byte(), 1, MaxDataLen).Draw(t, "data")}
})

func TestSignatureEncodingRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sig := signatureGen.Draw(t, "sig")
		enc, err := sig.MarshalBinary()
		require.NoError(t, err)
		var got Signature
		require.NoError(t, got.UnmarshalBinary(enc))
		require.Equal(t, sig.BlockSize, got.BlockSize)
		require.Equal(t, sig.Size, got.Size)
		require.Equal(t, len(sig.Blocks), len(got.Blocks))
		require.Equal(t, sig.Blocks, got.Blocks[:len(got.Blocks):len(got.Blocks)])

		cut := rapid.IntRange(0, len(enc)-1).Draw(t, "cut")
		require.ErrorIs(t, got.UnmarshalBinary(enc[:cut]), ErrMalformed, "truncated")
		require.ErrorIs(t, got.UnmarshalBinary(append(enc, 0)), ErrMalformed, "trailing byte")
	})
}

func TestOpEncodingRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := rapid.SliceOfN(opGen, 0, 20).Draw(t, "ops")
		var enc []byte
		for _, op := range ops {
			enc = AppendOp(enc, op)
		}
		r := bufio.NewReader(bytes.NewReader(enc))
		for i, want := range ops {
			got, err := ReadOp(r, nil)
			require.NoError(t, err, "op %d", i)
			require.Equal(t, want, got, "op %d", i)
		}
		_, err := ReadOp(r, nil)
		require.Equal(t, io.EOF, err)

		if len(enc) > 0 {
			// Cut at an op boundary, the stream ends cleanly; anywhere
			// else, the cut op is malformed.
			cut := rapid.IntRange(0, len(enc)-1).Draw(t, "cut")
			r := bufio.NewReader(bytes.NewReader(enc[:cut]))
			for err = nil; err == nil; _, err = ReadOp(r, nil) {
			}
			if err != io.EOF {
				require.ErrorIs(t, err, ErrMalformed)
			}
		}
	})
}

func TestReadOpRejects(t *testing.T) {
	tests := []struct {
		name string
		enc  []byte
	}{
		{"unknown kind", []byte{7, 1, 1}},
		{"copy of no blocks", []byte{byte(OpCopy), 3, 0}},
		{"block over uint32", append([]byte{byte(OpCopy)}, 0x80, 0x80, 0x80, 0x80, 0x10, 1)},
		{"varint too long", []byte{byte(OpCopy), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0}},
		{"empty data", []byte{byte(OpData), 0}},
		{"data over MaxDataLen", AppendOp(nil, Op{Kind: OpData, Data: make([]byte, MaxDataLen+1)})},
		{"huge data length", []byte{byte(OpData), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
		{"truncated data", []byte{byte(OpData), 5, 'a', 'b'}},
		{"truncated copy", []byte{byte(OpCopy), 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadOp(bufio.NewReader(bytes.NewReader(tt.enc)), nil)
			require.ErrorIs(t, err, ErrMalformed)
		})
	}
}

func TestUnmarshalSignatureRejects(t *testing.T) {
	valid, err := (&Signature{BlockSize: 4, Size: 5, Blocks: make([]Block, 2)}).MarshalBinary()
	require.NoError(t, err)
	tests := []struct {
		name string
		enc  []byte
	}{
		{"empty", nil},
		{"unknown version", append([]byte{2}, valid[1:]...)},
		{"block size 0", []byte{1, 0, 0}},
		{"block size over the max", []byte{1, 0x81, 0x80, 0x10, 0}},
		{"size over int64", []byte{1, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"huge size, few blocks", []byte{1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
		{"a block missing", valid[:len(valid)-encodedBlockLen]},
		{"a block too many", append(bytes.Clone(valid), make([]byte, encodedBlockLen)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sig Signature
			require.ErrorIs(t, sig.UnmarshalBinary(tt.enc), ErrMalformed)
		})
	}
}

func TestMarshalInvalidSignature(t *testing.T) {
	_, err := (&Signature{BlockSize: 0}).MarshalBinary()
	require.ErrorIs(t, err, ErrMalformed)
	_, err = (&Signature{BlockSize: 10, Size: 11, Blocks: make([]Block, 1)}).MarshalBinary()
	require.ErrorIs(t, err, ErrMalformed)
}
