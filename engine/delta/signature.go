package delta

import (
	"fmt"
	"io"
	"math"

	"github.com/zeebo/xxh3"
)

// Block size bounds. BlockSizeFor stays within them, and a Signature is valid
// only with a BlockSize in [1, MaxBlockSize].
const (
	MinBlockSize = 700
	MaxBlockSize = 128 << 10
)

// Signature describes a base file block by block, for a sender to diff a
// target against without having the base.
type Signature struct {
	BlockSize uint32 // bytes per block; the last block may be shorter
	Size      int64  // bytes in the base
	Blocks    []Block
}

// Block is the pair of hashes of one block of the base.
type Block struct {
	Weak   uint32   // top 32 bits of a polynomial rolling hash, a quick filter
	Strong [16]byte // XXH3-128 of the block, big-endian, the confirmation
}

// BlockSizeFor returns the block size for a base of size bytes. Like rsync, it
// takes about the square root of the size, which balances the signature (one
// Block per block) against the literal bytes an edit costs (about one block):
// both grow as √size. The result is rounded up to a multiple of 8 and clamped
// to [MinBlockSize, MaxBlockSize], so a 1 MB file gets 1000-byte blocks and a
// 256 MiB file 16 KiB ones.
func BlockSizeFor(size int64) uint32 {
	if size <= MinBlockSize*MinBlockSize {
		return MinBlockSize
	}
	bs := int64(math.Sqrt(float64(size)))
	bs = (bs + 7) &^ 7
	return uint32(min(max(bs, MinBlockSize), MaxBlockSize))
}

// Sign reads exactly size bytes of base and returns their signature, with the
// block size BlockSizeFor(size).
func Sign(base io.Reader, size int64) (*Signature, error) {
	return sign(base, size, BlockSizeFor(size))
}

// sign is Sign with a chosen block size; tests use small ones.
func sign(base io.Reader, size int64, blockSize uint32) (*Signature, error) {
	if size < 0 {
		return nil, fmt.Errorf("signing: negative size %d", size)
	}
	sig := &Signature{BlockSize: blockSize, Size: size}
	bs := int64(blockSize)
	sig.Blocks = make([]Block, 0, (size+bs-1)/bs)
	// Read many blocks per call: block-sized reads of a file cost a system
	// call per block.
	buf := make([]byte, max(bs, 1<<20/bs*bs))
	for left := size; left > 0; {
		n := min(left, int64(len(buf)))
		if _, err := io.ReadFull(base, buf[:n]); err != nil {
			return nil, fmt.Errorf("signing base at offset %d: %w", size-left, err)
		}
		for b := buf[:n]; len(b) > 0; {
			k := min(int64(len(b)), bs)
			sig.Blocks = append(sig.Blocks, blockOf(b[:k]))
			b = b[k:]
		}
		left -= n
	}
	return sig, nil
}

func blockOf(b []byte) Block {
	return Block{Weak: weakOf(hashWindow(b)), Strong: strongOf(b)}
}

func strongOf(b []byte) [16]byte {
	return xxh3.Hash128(b).Bytes()
}

// Validate reports whether s is self-consistent: a block size in
// [1, MaxBlockSize], a size that is not negative, one Block per block, and
// fewer blocks than a uint32 counts.
func (s *Signature) Validate() error {
	if s.BlockSize == 0 || s.BlockSize > MaxBlockSize {
		return fmt.Errorf("%w: block size %d outside [1, %d]", ErrMalformed, s.BlockSize, MaxBlockSize)
	}
	if s.Size < 0 {
		return fmt.Errorf("%w: negative base size %d", ErrMalformed, s.Size)
	}
	if s.blockCount() > math.MaxUint32-1 {
		return fmt.Errorf("%w: %d blocks, more than ops can address", ErrMalformed, s.blockCount())
	}
	if want := s.blockCount(); uint64(len(s.Blocks)) != want {
		return fmt.Errorf("%w: %d blocks for a base of %d bytes in blocks of %d, want %d",
			ErrMalformed, len(s.Blocks), s.Size, s.BlockSize, want)
	}
	return nil
}

// blockCount is the number of blocks of a base of s.Size bytes.
func (s *Signature) blockCount() uint64 {
	return blockCount(s.Size, s.BlockSize)
}

func blockCount(size int64, blockSize uint32) uint64 {
	bs := uint64(blockSize)
	return (uint64(size) + bs - 1) / bs
}

// tailLen is the length of the last block when it is shorter than the block
// size, and 0 when every block is full.
func (s *Signature) tailLen() int {
	return int(s.Size % int64(s.BlockSize))
}
