package delta

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

func FuzzReadOp(f *testing.F) {
	f.Add(AppendOp(AppendOp(nil, Op{Kind: OpCopy, Block: 3, Count: 2}), Op{Kind: OpData, Data: []byte("hello")}))
	f.Add([]byte{byte(OpData), 0xff, 0xff, 0x03})
	f.Add([]byte{byte(OpCopy), 0xff, 0xff, 0xff, 0xff, 0x0f, 1})
	base := bytes.Repeat([]byte("0123456789"), 30) // 300 bytes in 4 blocks of 100
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		p := NewPatcher(bytes.NewReader(base), 100, int64(len(base)), io.Discard)
		for {
			op, err := ReadOp(r, nil)
			if err == io.EOF {
				return
			}
			if err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("error %v does not wrap ErrMalformed", err)
				}
				return
			}
			again, err := ReadOp(bufio.NewReader(bytes.NewReader(AppendOp(nil, op))), nil)
			if err != nil || again.Kind != op.Kind || again.Block != op.Block || again.Count != op.Count || !bytes.Equal(again.Data, op.Data) {
				t.Fatalf("op %+v re-encodes to %+v, %v", op, again, err)
			}
			if err := p.Apply(op); err != nil && !errors.Is(err, ErrBadOp) {
				t.Fatalf("applying %+v: %v does not wrap ErrBadOp", op, err)
			}
		}
	})
}

func FuzzUnmarshalSignature(f *testing.F) {
	for _, base := range [][]byte{nil, []byte("abc"), bytes.Repeat([]byte("xyz"), 100)} {
		sig, err := sign(bytes.NewReader(base), int64(len(base)), 7)
		if err != nil {
			f.Fatal(err)
		}
		enc, err := sig.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc, base)
	}
	f.Fuzz(func(t *testing.T, data, target []byte) {
		var sig Signature
		if err := sig.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if err := sig.Validate(); err != nil {
			t.Fatalf("decoded an invalid signature: %v", err)
		}
		enc, err := sig.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var again Signature
		if err := again.UnmarshalBinary(enc); err != nil || again.BlockSize != sig.BlockSize ||
			again.Size != sig.Size || len(again.Blocks) != len(sig.Blocks) {
			t.Fatalf("signature does not re-encode: %v", err)
		}

		// Diffing against a hostile signature works and emits ops that fit
		// the base it claims to describe.
		p := NewPatcher(zeros{}, sig.BlockSize, sig.Size, io.Discard)
		if err := Diff(&sig, bytes.NewReader(target), p.Apply); err != nil {
			t.Fatal(err)
		}
		if p.Written() != int64(len(target)) {
			t.Fatalf("rebuilt %d bytes, want %d", p.Written(), len(target))
		}
	})
}

// zeros is a base of zero bytes as long as anyone asks.
type zeros struct{}

func (zeros) ReadAt(b []byte, _ int64) (int, error) {
	clear(b)
	return len(b), nil
}
