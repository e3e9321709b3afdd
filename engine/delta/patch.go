package delta

import (
	"errors"
	"fmt"
	"io"
)

// Patcher rebuilds a target by applying, in order, the ops Diff emitted
// against the signature of base. Ops come from the network: Apply checks
// each against the base and returns an error wrapping ErrBadOp for one that
// does not fit. A Patcher is not safe for concurrent use.
type Patcher struct {
	base      io.ReaderAt
	blockSize int64
	baseSize  int64
	blocks    uint64
	out       io.Writer
	buf       []byte // for copies, allocated on the first one
	written   int64
}

// NewPatcher returns a Patcher that copies blocks from base, baseSize bytes
// cut in blocks of blockSize (the signature's BlockSize and Size), and writes
// the target to out.
func NewPatcher(base io.ReaderAt, blockSize uint32, baseSize int64, out io.Writer) *Patcher {
	p := &Patcher{base: base, blockSize: int64(blockSize), baseSize: baseSize, out: out}
	if blockSize > 0 && baseSize > 0 {
		p.blocks = blockCount(baseSize, blockSize)
	}
	return p
}

// Apply writes what op stands for to out.
func (p *Patcher) Apply(op Op) error {
	switch op.Kind {
	case OpCopy:
		return p.copy(op.Block, op.Count)
	case OpData:
		if len(op.Data) == 0 {
			return fmt.Errorf("%w: empty data", ErrBadOp)
		}
		return p.write(op.Data)
	}
	return fmt.Errorf("%w: unknown op kind %d", ErrBadOp, op.Kind)
}

// Written returns how many bytes of the target have been written to out.
func (p *Patcher) Written() int64 {
	return p.written
}

func (p *Patcher) copy(block, count uint32) error {
	if count == 0 {
		return fmt.Errorf("%w: copy of no blocks", ErrBadOp)
	}
	if uint64(block)+uint64(count) > p.blocks {
		return fmt.Errorf("%w: copy of blocks [%d, %d) from a base of %d blocks",
			ErrBadOp, block, uint64(block)+uint64(count), p.blocks)
	}
	off := int64(block) * p.blockSize
	end := min(off+int64(count)*p.blockSize, p.baseSize)
	if p.buf == nil {
		p.buf = make([]byte, 256<<10)
	}
	for off < end {
		chunk := p.buf[:min(end-off, int64(len(p.buf)))]
		n, err := p.base.ReadAt(chunk, off)
		if n < len(chunk) {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("reading base at offset %d: %w", off+int64(n), err)
		}
		if err := p.write(chunk); err != nil {
			return err
		}
		off += int64(n)
	}
	return nil
}

func (p *Patcher) write(b []byte) error {
	n, err := p.out.Write(b)
	p.written += int64(n)
	if err != nil {
		return fmt.Errorf("writing target: %w", err)
	}
	return nil
}
