package delta

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Wire formats. All integers but Block.Weak are unsigned varints.
//
//	Signature: version (1 byte, 1) | BlockSize | Size | Blocks
//	  Block:   Weak (4 bytes, little-endian) | Strong (16 bytes)
//	Op:        Kind (1 byte) | OpCopy: Block | Count
//	                         | OpData: len(Data) | Data
//
// The number of blocks is not sent: it follows from Size and BlockSize, and
// a decoder takes the block list only if exactly that many blocks are there.

const (
	signatureVersion = 1
	encodedBlockLen  = 4 + 16
)

// MarshalBinary encodes s, which must be valid (see Validate).
func (s *Signature) MarshalBinary() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("encoding signature: %w", err)
	}
	buf := make([]byte, 0, 1+2*binary.MaxVarintLen64+encodedBlockLen*len(s.Blocks))
	buf = append(buf, signatureVersion)
	buf = binary.AppendUvarint(buf, uint64(s.BlockSize))
	buf = binary.AppendUvarint(buf, uint64(s.Size))
	for _, b := range s.Blocks {
		buf = binary.LittleEndian.AppendUint32(buf, b.Weak)
		buf = append(buf, b.Strong[:]...)
	}
	return buf, nil
}

// UnmarshalBinary decodes a signature encoded by MarshalBinary into s. It
// returns an error wrapping ErrMalformed for anything else, and allocates
// no more than in proportion to len(data).
func (s *Signature) UnmarshalBinary(data []byte) error {
	if len(data) == 0 || data[0] != signatureVersion {
		return fmt.Errorf("%w: not a version %d signature", ErrMalformed, signatureVersion)
	}
	rest := data[1:]
	blockSize, rest, err := uvarint(rest, MaxBlockSize, "block size")
	if err != nil {
		return err
	}
	size, rest, err := uvarint(rest, math.MaxInt64, "base size")
	if err != nil {
		return err
	}
	if blockSize == 0 {
		return fmt.Errorf("%w: block size 0", ErrMalformed)
	}
	n := blockCount(int64(size), uint32(blockSize))
	if uint64(len(rest))%encodedBlockLen != 0 || uint64(len(rest))/encodedBlockLen != n {
		return fmt.Errorf("%w: %d bytes of blocks for a base of %d blocks", ErrMalformed, len(rest), n)
	}
	blocks := make([]Block, n)
	for i := range blocks {
		blocks[i].Weak = binary.LittleEndian.Uint32(rest)
		copy(blocks[i].Strong[:], rest[4:encodedBlockLen])
		rest = rest[encodedBlockLen:]
	}
	*s = Signature{BlockSize: uint32(blockSize), Size: int64(size), Blocks: blocks}
	return nil
}

// uvarint decodes an unsigned varint of at most limit from the front of b.
func uvarint(b []byte, limit uint64, what string) (uint64, []byte, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, fmt.Errorf("%w: bad varint for %s", ErrMalformed, what)
	}
	if v > limit {
		return 0, nil, fmt.Errorf("%w: %s %d over %d", ErrMalformed, what, v, limit)
	}
	return v, b[n:], nil
}

// AppendOp appends the encoding of op to buf and returns the extended
// buffer. op should be one that Diff emits; ReadOp rejects others.
func AppendOp(buf []byte, op Op) []byte {
	buf = append(buf, byte(op.Kind))
	if op.Kind == OpData {
		buf = binary.AppendUvarint(buf, uint64(len(op.Data)))
		return append(buf, op.Data...)
	}
	buf = binary.AppendUvarint(buf, uint64(op.Block))
	return binary.AppendUvarint(buf, uint64(op.Count))
}

// ReadOp reads one op encoded by AppendOp from r. It returns io.EOF when r
// ends before the op starts, and an error wrapping ErrMalformed for a
// truncated or invalid op. Data goes into scratch when it has the capacity,
// else into a new slice of at most MaxDataLen bytes: a caller that passes the
// same scratch each time reads without allocating, and must be done with
// one op's Data before reading the next.
func ReadOp(r *bufio.Reader, scratch []byte) (Op, error) {
	kind, err := r.ReadByte()
	if err != nil {
		return Op{}, err
	}
	switch OpKind(kind) {
	case OpCopy:
		block, err := readUvarint(r, math.MaxUint32, "block")
		if err != nil {
			return Op{}, err
		}
		count, err := readUvarint(r, math.MaxUint32, "count")
		if err != nil {
			return Op{}, err
		}
		if count == 0 {
			return Op{}, fmt.Errorf("%w: copy of no blocks", ErrMalformed)
		}
		return Op{Kind: OpCopy, Block: uint32(block), Count: uint32(count)}, nil
	case OpData:
		n, err := readUvarint(r, MaxDataLen, "data length")
		if err != nil {
			return Op{}, err
		}
		if n == 0 {
			return Op{}, fmt.Errorf("%w: empty data", ErrMalformed)
		}
		data := scratch[:0]
		if uint64(cap(data)) < n {
			data = make([]byte, n)
		}
		data = data[:n]
		if _, err := io.ReadFull(r, data); err != nil {
			return Op{}, truncated(err)
		}
		return Op{Kind: OpData, Data: data}, nil
	}
	return Op{}, fmt.Errorf("%w: unknown op kind %d", ErrMalformed, kind)
}

// readUvarint reads an unsigned varint of at most limit from r.
func readUvarint(r io.ByteReader, limit uint64, what string) (uint64, error) {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c, err := r.ReadByte()
		if err != nil {
			return 0, truncated(err)
		}
		v |= uint64(c&0x7f) << shift
		if v > limit {
			return 0, fmt.Errorf("%w: %s over %d", ErrMalformed, what, limit)
		}
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: %s varint too long", ErrMalformed, what)
}

// truncated turns running out of input inside an op into ErrMalformed.
func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: truncated op: %w", ErrMalformed, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("reading op: %w", err)
}
