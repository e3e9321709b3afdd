package agentwire

import (
	"encoding/binary"
	"fmt"

	"github.com/klauspost/compress/zstd"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
)

// Sender is an endpoint.Receiver that writes what it is given to a stream as content
// messages. Close ends a receive stream: it sends TypeClose and returns the problems
// the far receiver reports.
//
// With compression on, file contents and delta literals travel zstd-compressed
// (TypeDataZ), adaptively: a chunk that does not shrink by a tenth goes as it is, and
// after such a chunk the rest of the file is not tried again for a while (already
// compressed formats cost one try, not one per chunk).
type Sender struct {
	c        *Conn
	buf      []byte
	compress bool
	enc      *zstd.Encoder
	zbuf     []byte
	skip     int // chunks of the current file to send as they are
	backoff  int // how many the next failed try skips
}

// NewSender returns a Sender writing to c, compressing contents when compress is set.
func NewSender(c *Conn, compress bool) *Sender { return &Sender{c: c, compress: compress} }

// compressFrom is the smallest chunk worth a try: below it, framing eats the gain.
const compressFrom = 512

// Begin implements endpoint.Receiver.
func (s *Sender) Begin(i int) error {
	s.skip, s.backoff = 0, 4 // every file gets its own try
	s.buf = binary.AppendUvarint(s.buf[:0], uint64(i))
	return s.c.Write(TypeBegin, s.buf)
}

// Op implements endpoint.Receiver.
func (s *Sender) Op(op delta.Op) error {
	if op.Kind == delta.OpData {
		if z := s.compressed(op.Data); z != nil {
			return s.c.Write(TypeDataZ, z)
		}
		return s.c.Write(TypeData, op.Data)
	}
	s.buf = binary.AppendUvarint(binary.AppendUvarint(s.buf[:0], uint64(op.Block)), uint64(op.Count))
	return s.c.Write(TypeCopy, s.buf)
}

// compressed returns data compressed when that is on and worth it, else nil.
func (s *Sender) compressed(data []byte) []byte {
	if !s.compress || len(data) < compressFrom {
		return nil
	}
	if s.skip > 0 {
		s.skip--
		return nil
	}
	if s.enc == nil {
		s.enc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
			zstd.WithLowerEncoderMem(true))
	}
	s.zbuf = s.enc.EncodeAll(data, s.zbuf[:0])
	if len(s.zbuf) > len(data)-len(data)/10 {
		s.skip, s.backoff = s.backoff, min(s.backoff*2, 256)
		return nil
	}
	return s.zbuf
}

// End implements endpoint.Receiver.
func (s *Sender) End() error { return s.c.Write(TypeEnd, nil) }

// Skip implements endpoint.Receiver.
func (s *Sender) Skip(i int, reason string) error {
	s.buf = AppendString(binary.AppendUvarint(s.buf[:0], uint64(i)), reason)
	return s.c.Write(TypeSkip, s.buf)
}

// Close implements endpoint.Receiver.
func (s *Sender) Close() ([]endpoint.Problem, error) {
	if err := s.c.Send(TypeClose, nil); err != nil {
		return nil, err
	}
	payload, err := s.c.Expect(TypeOK)
	if err != nil {
		return nil, err
	}
	d := NewDecoder(payload)
	problems := d.Problems()
	return problems, d.Done()
}

// Receive reads content messages from c and gives them to r, until a message of type
// until (TypeClose on a receive stream, TypeDone on a supply stream). A TypeError
// message ends it with that error.
func Receive(c *Conn, r endpoint.Receiver, until byte) error {
	scratch := make([]byte, delta.MaxDataLen+64)
	var plain []byte // decompressed data
	for {
		typ, payload, err := c.Read(scratch)
		if err != nil {
			return err
		}
		d := NewDecoder(payload)
		switch typ {
		case until:
			return nil
		case TypeError:
			return &RemoteError{Msg: string(payload)}
		case TypeBegin:
			i := d.Uvarint()
			if err := d.Done(); err != nil {
				return err
			}
			err = r.Begin(int(i))
		case TypeData:
			if len(payload) == 0 || len(payload) > delta.MaxDataLen {
				return protoErr("data message of %d bytes", len(payload))
			}
			err = r.Op(delta.Op{Kind: delta.OpData, Data: payload})
		case TypeDataZ:
			if plain, err = decodeChunk(payload, plain); err != nil {
				return err
			}
			err = r.Op(delta.Op{Kind: delta.OpData, Data: plain})
		case TypeCopy:
			block, count := d.Uvarint(), d.Uvarint()
			if err := d.Done(); err != nil {
				return err
			}
			if block > 1<<32-1 || count > 1<<32-1 {
				return protoErr("copy of blocks %d+%d", block, count)
			}
			err = r.Op(delta.Op{Kind: delta.OpCopy, Block: uint32(block), Count: uint32(count)})
		case TypeEnd:
			err = r.End()
		case TypeSkip:
			i, reason := d.Uvarint(), d.String()
			if err := d.Done(); err != nil {
				return err
			}
			err = r.Skip(int(i), reason)
		default:
			return protoErr("unexpected message type %d in a content stream", typ)
		}
		if err != nil {
			return fmt.Errorf("receiving: %w", err)
		}
	}
}

// chunkDecoder decodes compressed chunks; DecodeAll is safe for concurrent use.
var chunkDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(4*delta.MaxDataLen))

// decodeChunk decompresses a TypeDataZ payload into buf, refusing more than
// delta.MaxDataLen bytes (a hostile peer cannot make it allocate more).
func decodeChunk(payload, buf []byte) ([]byte, error) {
	if len(payload) == 0 || len(payload) > delta.MaxDataLen {
		return nil, protoErr("compressed data message of %d bytes", len(payload))
	}
	out, err := chunkDecoder.DecodeAll(payload, buf[:0])
	if err != nil {
		return nil, protoErr("decompressing data: %v", err)
	}
	if len(out) == 0 || len(out) > delta.MaxDataLen {
		return nil, protoErr("compressed data of %d bytes", len(out))
	}
	return out, nil
}
