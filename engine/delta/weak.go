package delta

// The weak hash is a polynomial (Rabin–Karp) rolling hash modulo 2^64:
//
//	h(s[0:n]) = s[0]·P^(n-1) + s[1]·P^(n-2) + … + s[n-1]
//
// Block.Weak is the top 32 bits of g = h·P: multiplying by P once more moves
// every byte, the last one too (whose coefficient in h is 1), into those
// high bits. A sliding window keeps g, and one byte on is
// g' = (g + in − out·P^n)·P: one multiply on the dependency chain, and a table
// load for out·P^n off it.
//
// We prefer it to rsync's Adler-style pair of 16-bit sums, which spreads
// blocks of a few KiB over a small part of its range and so sends many more
// windows to the strong hash, and to buzhash, whose XOR of rotated table
// entries cannot tell apart two windows that swap bytes 64 positions apart.

// prime is the multiplier P: odd, with bits spread over the whole word.
// primeK is P^K mod 2^64.
const (
	prime  = 0x9E3779B97F4A7C15
	prime2 = prime * prime % (1 << 64)
	prime3 = prime2 * prime % (1 << 64)
	prime4 = prime3 * prime % (1 << 64)
	prime5 = prime4 * prime % (1 << 64)
	prime6 = prime5 * prime % (1 << 64)
	prime7 = prime6 * prime % (1 << 64)
	prime8 = prime7 * prime % (1 << 64)
)

// weakOf returns the Block.Weak of a window whose g is g.
func weakOf(g uint64) uint32 {
	return uint32(g >> 32)
}

// hashWindow returns g for the window b. It folds eight bytes per step,
// so that only one multiply per eight bytes sits on the dependency chain.
func hashWindow(b []byte) uint64 {
	var h uint64
	for len(b) >= 8 {
		h = h*prime8 +
			uint64(b[0])*prime7 + uint64(b[1])*prime6 +
			uint64(b[2])*prime5 + uint64(b[3])*prime4 +
			uint64(b[4])*prime3 + uint64(b[5])*prime2 +
			uint64(b[6])*prime + uint64(b[7])
		b = b[8:]
	}
	for _, c := range b {
		h = h*prime + uint64(c)
	}
	return h * prime
}

// outTable returns, for each byte value c, c·P^n: what a byte leaving a window
// of n bytes takes away from g.
func outTable(n int) *[256]uint64 {
	pn, base := uint64(1), uint64(prime)
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			pn *= base
		}
		base *= base
	}
	var t [256]uint64
	for c := range t {
		t[c] = uint64(c) * pn
	}
	return &t
}
