// Package delta implements rsync-style delta transfer: a receiver that holds
// an old version of a file (the base) sends a Signature of it, the sender
// diffs the new version (the target) against that signature into a stream of
// Ops, and the receiver applies the ops to its base to rebuild the target.
// Changing one line of a 100 MB file moves a few kilobytes.
//
// Invariants:
//
//   - Pure: the package reads and writes only the readers, writers and
//     callbacks it is given; it never touches the file system, the network or
//     a clock, and holds no global state.
//   - Exact: for any base and target, feeding every op that Diff emits, in
//     order, to a Patcher over that base writes the target byte for byte. This
//     holds whatever the data, the block size or the way the target reader
//     splits its reads.
//   - Hostile input is an error, never a panic: Signature.UnmarshalBinary,
//     ReadOp and Patcher.Apply reject malformed or out-of-range input with an
//     error wrapping ErrMalformed or ErrBadOp. Decoding allocates at most in
//     proportion to the bytes actually read (a signature's block list must be
//     present in full before it is allocated; literal data is capped at
//     MaxDataLen per op).
//   - Bounded memory: whatever the target size, Diff holds the signature's
//     lookup table (24 to 48 bytes per block) and one buffer of
//     4·(MaxDataLen+BlockSize) bytes, 256 KiB to 768 KiB; Patcher holds one
//     256 KiB buffer.
//
// Matching compares a block's weak rolling hash first and confirms with its
// 128-bit XXH3. XXH3 is not a cryptographic hash: a pair of files crafted to
// collide could rebuild a wrong target, so callers that care verify a digest
// of the whole rebuilt file.
package delta
