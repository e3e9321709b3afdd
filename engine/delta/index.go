package delta

import "math/bits"

// Bounds on the work a hostile signature can cause. Natural data stays far
// below them; a signature whose blocks share weak hashes or crowd one part
// of the table only loses the blocks past them, which then are not matched.
const (
	maxProbe    = 64 // slots looked at to insert or find one weak hash
	maxSameWeak = 8  // blocks kept with one weak hash and different contents
)

// index finds the blocks of a signature by weak hash. Only full-size blocks
// are in it: a rolling window is always BlockSize long. Blocks equal in both
// hashes are kept once.
type index struct {
	blocks []Block
	full   int // blocks of BlockSize bytes, all but a short last one
	bs     int
	out    *[256]uint64 // see outTable

	// filter has one bit per value of the top bits of a weak hash, set when
	// some block has that value: about 64 bits per block, so that most
	// windows that match nothing cost one load. It is indexed by
	// g>>filterShift, g being a window's hash (see weak.go).
	filter      []uint64
	filterShift uint

	// slots is an open-addressed table of Weak<<32 | block+1, 0 when empty,
	// at least half empty, probed linearly from slot Weak>>slotShift. A
	// weak hash and its block share one word, so telling a filter's false
	// positive from a candidate costs one load.
	slots     []uint64
	slotShift uint
}

func newIndex(sig *Signature) *index {
	full := len(sig.Blocks)
	if sig.tailLen() != 0 {
		full--
	}
	order := bits.Len(uint(full)) // 2^order > full
	filterBits := min(max(order+6, 12), 32)
	slotBits := min(max(order+1, 4), 32)
	x := &index{
		blocks:      sig.Blocks,
		full:        full,
		bs:          int(sig.BlockSize),
		out:         outTable(int(sig.BlockSize)),
		filter:      make([]uint64, (uint64(1)<<filterBits+63)/64),
		filterShift: uint(64 - filterBits),
		slots:       make([]uint64, 1<<slotBits),
		slotShift:   uint(32 - slotBits),
	}
	for b := range full {
		x.insert(uint32(b))
	}
	return x
}

func (x *index) insert(b uint32) {
	blk := &x.blocks[b]
	mask := uint32(len(x.slots) - 1)
	i := blk.Weak >> x.slotShift
	same := 0
	for range maxProbe {
		s := x.slots[i]
		if s == 0 {
			x.slots[i] = uint64(blk.Weak)<<32 | uint64(b+1)
			f := uint64(blk.Weak) << 32 >> x.filterShift
			x.filter[f/64] |= 1 << (f % 64)
			return
		}
		if uint32(s>>32) == blk.Weak {
			if x.blocks[uint32(s)-1].Strong == blk.Strong {
				return // a copy of a block already in
			}
			if same++; same == maxSameWeak {
				return
			}
		}
		i = (i + 1) & mask
	}
}

// has reports whether some block's weak hash is w.
func (x *index) has(w uint32) bool {
	mask := uint32(len(x.slots) - 1)
	i := w >> x.slotShift
	for range maxProbe {
		s := x.slots[i]
		if s == 0 {
			return false
		}
		if uint32(s>>32) == w {
			return true
		}
		i = (i + 1) & mask
	}
	return false
}

// scan looks at the windows of buf starting at i, i+1, …, last, g being
// the hash of the window at i. It returns the first window whose weak hash
// some block has, or last with hit false, and that window's hash. buf must
// hold last+bs bytes.
func (x *index) scan(buf []byte, i, last int, g uint64) (int, uint64, bool) {
	for {
		i, g = x.skip(buf, i, last, g)
		if x.passes(g) && x.has(weakOf(g)) {
			return i, g, true
		}
		if i == last {
			return i, g, false
		}
		g = x.roll(buf, i, g)
		i++
	}
}

// skip is scan's inner loop, kept apart so that its few variables stay in
// registers: it returns the first window from i to last whose weak hash
// passes the filter, or last. A target of new data spends its time here.
//
// It takes two windows per step. With d the byte entering less the one
// leaving, g1 = (g0 + d0)·P and g2 = g0·P² + (d0·P + d1)·P: the dependency
// chain from g0 to g2 is one multiply and one add, where stepping one byte at
// a time puts two of each on it. This measured 10% faster.
func (x *index) skip(buf []byte, i, last int, g uint64) (int, uint64) {
	filter, shift, out := x.filter, x.filterShift&63, x.out[:]
	leaving := buf[i:last]
	entering := buf[i+x.bs:]
	entering = entering[:len(leaving)]
	j := 0
	for ; j+1 < len(leaving); j += 2 {
		d0 := uint64(entering[j]) - out[leaving[j]]
		d1 := uint64(entering[j+1]) - out[leaving[j+1]]
		if f := g >> shift; filter[f/64]&(1<<(f%64)) != 0 {
			return i + j, g
		}
		g1 := (g + d0) * prime
		if f := g1 >> shift; filter[f/64]&(1<<(f%64)) != 0 {
			return i + j + 1, g1
		}
		g = g*prime2 + (d0*prime+d1)*prime
	}
	if j < len(leaving) {
		if f := g >> shift; filter[f/64]&(1<<(f%64)) != 0 {
			return i + j, g
		}
		g = (g + uint64(entering[j]) - out[leaving[j]]) * prime
	}
	return last, g
}

// passes reports whether a window of hash g passes the filter.
func (x *index) passes(g uint64) bool {
	f := g >> (x.filterShift & 63)
	return x.filter[f/64]&(1<<(f%64)) != 0
}

// roll returns the hash of the window at i+1 given g, that of the window at
// i.
func (x *index) roll(buf []byte, i int, g uint64) uint64 {
	return (g + uint64(buf[i+x.bs]) - x.out[buf[i]]) * prime
}

// lookup returns a block equal to window, whose weak hash is w, trying
// prefer first so that runs of consecutive blocks stay runs. The strong hash
// of the window is computed only when some block's weak hash equals w.
func (x *index) lookup(window []byte, w uint32, prefer int) (int, bool) {
	var strong [16]byte
	hashed := false
	if prefer >= 0 && prefer < x.full && x.blocks[prefer].Weak == w {
		strong, hashed = strongOf(window), true
		if x.blocks[prefer].Strong == strong {
			return prefer, true
		}
	}
	mask := uint32(len(x.slots) - 1)
	i := w >> x.slotShift
	for range maxProbe {
		s := x.slots[i]
		if s == 0 {
			break
		}
		if uint32(s>>32) == w {
			if !hashed {
				strong, hashed = strongOf(window), true
			}
			if b := uint32(s) - 1; x.blocks[b].Strong == strong {
				return int(b), true
			}
		}
		i = (i + 1) & mask
	}
	return 0, false
}
