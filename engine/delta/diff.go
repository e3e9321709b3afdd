package delta

import (
	"fmt"
	"io"
)

// Diff reads target to its end and calls emit with the ops that rebuild it
// from the base that sig describes: copies of base blocks wherever the target
// holds one, literal data elsewhere. Consecutive copied blocks come as one
// op; literal runs come in chunks of at most MaxDataLen bytes. With a nil or
// empty sig, the whole target comes as data.
//
// An op's Data aliases Diff's buffer: it is valid only until emit returns, so
// emit must copy what it keeps (AppendOp does). An error from emit stops Diff
// and is returned as is.
//
// The target is streamed through a rolling window of one block. Where the
// window's weak hash and then its strong hash equal a block's, that block is
// copied and the window jumps past it; the block after a copied one is tried
// first by strong hash alone, so runs of unchanged blocks cost one XXH3 per
// block. The base's last block, when shorter than the others, is matched only
// where the target continues a copy of the block before it (or starts, when
// it is the base's only block) and where the target ends.
func Diff(sig *Signature, target io.Reader, emit func(Op) error) error {
	if sig == nil || len(sig.Blocks) == 0 {
		return emitAll(target, emit)
	}
	if err := sig.Validate(); err != nil {
		return fmt.Errorf("diffing against signature: %w", err)
	}
	bs := int(sig.BlockSize)
	d := &differ{
		sig:   sig,
		index: newIndex(sig),
		bs:    bs,
		r:     target,
		emit:  emit,
		buf:   make([]byte, min(32<<10+2*bs, maxBuffer(bs))),
		probe: true,
	}
	return d.run()
}

// differ is the state of one Diff. buf[lit:pos] is literal target data not
// yet emitted, buf[pos:pos+bs] the window, and buf[:end] what has been read.
type differ struct {
	sig   *Signature
	index *index
	bs    int
	r     io.Reader
	eof   bool
	emit  func(Op) error

	buf           []byte
	lit, pos, end int
	expect        int  // the block after the last one copied
	probe         bool // try expect at pos before rolling
	pending       Op   // copy run not yet emitted, when Count > 0
}

func (d *differ) run() error {
	for {
		if err := d.fill(d.bs); err != nil {
			return err
		}
		if d.probe {
			d.probe = false
			ok, err := d.tryExpected()
			if err != nil {
				return err
			}
			if ok {
				continue
			}
		}
		if d.end-d.pos < d.bs {
			break
		}
		matched, err := d.roll()
		if err != nil {
			return err
		}
		if !matched {
			break
		}
	}
	return d.finish()
}

// tryExpected copies the block after the last one copied if the target
// continues with it.
func (d *differ) tryExpected() (bool, error) {
	b := d.expect
	n := d.bs
	if b == len(d.sig.Blocks)-1 && d.sig.tailLen() != 0 {
		n = d.sig.tailLen()
	}
	if d.end-d.pos < n || strongOf(d.buf[d.pos:d.pos+n]) != d.sig.Blocks[b].Strong {
		return false, nil
	}
	return true, d.copied(b, n)
}

// roll slides the window from pos until it equals a block, which it then
// copies, or until the target ends, reporting which happened.
func (d *differ) roll() (bool, error) {
	x := d.index
	g := hashWindow(d.buf[d.pos : d.pos+d.bs])
	for {
		last := min(d.end-d.bs, d.lit+MaxDataLen)
		i, gi, hit := x.scan(d.buf, d.pos, last, g)
		d.pos, g = i, gi
		if hit {
			window := d.buf[d.pos : d.pos+d.bs]
			if b, ok := x.lookup(window, weakOf(g), d.expect); ok {
				return true, d.copied(b, d.bs)
			}
			if d.pos < last {
				g = x.roll(d.buf, d.pos, g)
				d.pos++
				continue
			}
		}
		if d.pos-d.lit == MaxDataLen {
			if err := d.literal(d.pos); err != nil {
				return false, err
			}
		}
		if d.pos+d.bs == d.end {
			if err := d.fill(d.bs + 1); err != nil {
				return false, err
			}
			if d.pos+d.bs == d.end {
				return false, nil
			}
		}
		g = x.roll(d.buf, d.pos, g)
		d.pos++
	}
}

// finish emits what is left once no full window remains: the base's short
// last block if the target ends with it, and the rest as data.
func (d *differ) finish() error {
	if n := d.sig.tailLen(); n != 0 && d.end-n >= d.lit {
		b := len(d.sig.Blocks) - 1
		if strongOf(d.buf[d.end-n:d.end]) == d.sig.Blocks[b].Strong {
			d.pos = d.end - n
			if err := d.copied(b, n); err != nil {
				return err
			}
		}
	}
	if err := d.literal(d.end); err != nil {
		return err
	}
	return d.flushCopy()
}

// copied records that the n bytes at pos are block b, emitting the literal
// data before them.
func (d *differ) copied(b, n int) error {
	if err := d.literal(d.pos); err != nil {
		return err
	}
	if d.pending.Count > 0 && int(d.pending.Block)+int(d.pending.Count) == b {
		d.pending.Count++
	} else {
		if err := d.flushCopy(); err != nil {
			return err
		}
		d.pending = Op{Kind: OpCopy, Block: uint32(b), Count: 1}
	}
	d.pos += n
	d.lit = d.pos
	d.expect = b + 1
	d.probe = d.expect < len(d.sig.Blocks)
	return nil
}

// literal emits buf[lit:to] as data, after the copy run that precedes it.
func (d *differ) literal(to int) error {
	if d.lit == to {
		return nil
	}
	if err := d.flushCopy(); err != nil {
		return err
	}
	for d.lit < to {
		n := min(to-d.lit, MaxDataLen)
		if err := d.emit(Op{Kind: OpData, Data: d.buf[d.lit : d.lit+n : d.lit+n]}); err != nil {
			return err
		}
		d.lit += n
	}
	return nil
}

func (d *differ) flushCopy() error {
	if d.pending.Count == 0 {
		return nil
	}
	op := d.pending
	d.pending = Op{}
	return d.emit(op)
}

// fill reads until the buffer holds need bytes from pos on, or the target
// ends. When they would not fit, it first moves the unemitted bytes, from
// lit on, to the front of the buffer, and doubles the buffer up to
// maxBuffer: a small target is read into a small buffer, a large one soon
// in large reads.
func (d *differ) fill(need int) error {
	if d.end-d.pos >= need || d.eof {
		return nil
	}
	if d.pos+need > len(d.buf) {
		buf := d.buf
		if limit := maxBuffer(d.bs); len(buf) < limit {
			buf = make([]byte, min(max(2*len(buf), d.pos-d.lit+need), limit))
		}
		d.end = copy(buf, d.buf[d.lit:d.end])
		d.pos -= d.lit
		d.lit, d.buf = 0, buf
	}
	return d.readAtLeast(d.pos + need)
}

// maxBuffer is the size Diff's buffer grows to. It must hold a literal run
// of MaxDataLen bytes and a window after it; four times that leaves room to
// read ahead in large reads.
func maxBuffer(bs int) int {
	return 4 * (MaxDataLen + bs)
}

// readAtLeast reads until end reaches want or the target ends.
func (d *differ) readAtLeast(want int) error {
	for empty := 0; d.end < want; {
		n, err := d.r.Read(d.buf[d.end:])
		d.end += n
		switch {
		case err == io.EOF:
			d.eof = true
			return nil
		case err != nil:
			return fmt.Errorf("reading target: %w", err)
		case n == 0:
			if empty++; empty == 100 {
				return fmt.Errorf("reading target: %w", io.ErrNoProgress)
			}
		}
	}
	return nil
}

// emitAll emits all of target as data, for a base with no blocks.
func emitAll(target io.Reader, emit func(Op) error) error {
	buf := make([]byte, MaxDataLen)
	for {
		n, err := io.ReadFull(target, buf)
		if n > 0 {
			if err := emit(Op{Kind: OpData, Data: buf[:n:n]}); err != nil {
				return err
			}
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return nil
		case err != nil:
			return fmt.Errorf("reading target: %w", err)
		}
	}
}
