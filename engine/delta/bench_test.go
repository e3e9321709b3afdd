package delta

import (
	"bytes"
	"math/rand/v2"
	"sync"
	"testing"
)

const benchSize = 256 << 20

// benchBase is a random base of benchSize bytes, made once.
var benchBase = sync.OnceValue(func() []byte { return randomBytes(42, benchSize) })

func BenchmarkSign256MB(b *testing.B) {
	base := benchBase()
	b.SetBytes(benchSize)
	for b.Loop() {
		if _, err := Sign(bytes.NewReader(base), benchSize); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiff256MB100Edits diffs a copy of the base with 100 scattered
// 100-byte overwrites: the common case, nearly every block copied.
func BenchmarkDiff256MB100Edits(b *testing.B) {
	base := benchBase()
	target := bytes.Clone(base)
	r := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		at := r.IntN(benchSize - 100)
		copy(target[at:], randomBytes(r.Uint64(), 100))
	}
	benchDiff(b, base, target)
}

// BenchmarkDiff64MBUnrelated diffs random data against the base's
// signature: the worst case, the window rolls over every byte.
func BenchmarkDiff64MBUnrelated(b *testing.B) {
	benchDiff(b, benchBase(), randomBytes(43, 64<<20))
}

func benchDiff(b *testing.B, base, target []byte) {
	sig, err := Sign(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(target)))
	var literal int
	for b.Loop() {
		literal = 0
		err := Diff(sig, bytes.NewReader(target), func(op Op) error {
			literal += len(op.Data)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(literal), "literal-bytes")
}

func BenchmarkPatch256MB(b *testing.B) {
	base := benchBase()
	sig, err := Sign(bytes.NewReader(base), benchSize)
	if err != nil {
		b.Fatal(err)
	}
	var ops []Op
	if err := Diff(sig, bytes.NewReader(base), func(op Op) error { ops = append(ops, op); return nil }); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchSize)
	for b.Loop() {
		p := NewPatcher(bytes.NewReader(base), sig.BlockSize, sig.Size, discard{})
		for _, op := range ops {
			if err := p.Apply(op); err != nil {
				b.Fatal(err)
			}
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
