package agentwire

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
)

// Sender is an endpoint.Receiver that writes what it is given to a stream as content
// messages. Close ends a receive stream: it sends TypeClose and returns the problems
// the far receiver reports.
//
// With compression on, file contents and delta literals travel zstd-compressed
// (TypeDataZ) as one zstd stream per content stream, each message flushed on its own,
// so that a file compresses against the files sent before it (a source tree's small
// files share most of their words; compressed one by one the Go tree's take 27% more
// bytes). Adaptively: a chunk that does not shrink by a tenth is sent anyway (it is in
// the stream's history now), and the rest of its file goes as it is (TypeData) for a
// while, so already compressed formats cost one try, not one per chunk.
type Sender struct {
	c        *Conn
	buf      []byte
	compress bool
	enc      *zstd.Encoder
	zbuf     chunkBuffer
	skip     int // chunks of the current file to send as they are
	backoff  int // how many the next failed try skips
}

// streamWindow is the compressed stream's window: what a chunk can refer back to. The
// receiver allows no more.
const streamWindow = 1 << 20

// chunkBuffer collects what the stream encoder writes for one chunk.
type chunkBuffer struct{ b []byte }

func (c *chunkBuffer) Write(p []byte) (int, error) {
	c.b = append(c.b, p...)
	return len(p), nil
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

// compressed returns data as a TypeDataZ payload (its length, then the stream's
// bytes for it) when compression is on and worth trying, else nil.
func (s *Sender) compressed(data []byte) []byte {
	if !s.compress || len(data) < compressFrom {
		return nil
	}
	if s.skip > 0 {
		s.skip--
		return nil
	}
	if s.enc == nil {
		s.enc, _ = zstd.NewWriter(&s.zbuf, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
			zstd.WithLowerEncoderMem(true), zstd.WithWindowSize(streamWindow))
	}
	s.zbuf.b = binary.AppendUvarint(s.zbuf.b[:0], uint64(len(data)))
	head := len(s.zbuf.b)
	// Writes to a chunkBuffer cannot fail, so neither can the encoder's.
	s.enc.Write(data)
	s.enc.Flush()
	if len(s.zbuf.b)-head > len(data)-len(data)/10 {
		s.skip, s.backoff = s.backoff, min(s.backoff*2, 256)
	}
	return s.zbuf.b
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
	var z *streamDecoder // the sender's compressed stream, from its first chunk
	defer func() {
		if z != nil {
			z.close()
		}
	}()
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
			if z == nil {
				z = newStreamDecoder()
			}
			plain, err := z.chunk(payload)
			if err != nil {
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

// streamDecoder decodes a content stream's compressed chunks: one zstd stream, of
// which each TypeDataZ message carries the bytes for one chunk. It reads only what the
// current message holds (zstd's synchronous decoder reads exactly the blocks it
// decodes), so it needs no goroutine of its own.
type streamDecoder struct {
	in    []byte // the current message's stream bytes not yet read
	dec   *zstd.Decoder
	plain []byte
}

func newStreamDecoder() *streamDecoder {
	z := &streamDecoder{plain: make([]byte, delta.MaxDataLen)}
	z.dec, _ = zstd.NewReader(streamInput{z}, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(streamWindow))
	return z
}

// streamInput is the decoder's reader: the current message's bytes, and nothing past
// them (a chunk whose bytes do not decode to its length is a protocol error).
type streamInput struct{ z *streamDecoder }

func (s streamInput) Read(p []byte) (int, error) {
	if len(s.z.in) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, s.z.in)
	s.z.in = s.z.in[n:]
	return n, nil
}

// chunk decodes a TypeDataZ payload: the chunk's length, then its stream bytes.
func (z *streamDecoder) chunk(payload []byte) ([]byte, error) {
	n, k := binary.Uvarint(payload)
	if k <= 0 || n == 0 || n > delta.MaxDataLen || len(payload) == k {
		return nil, protoErr("compressed data message of %d bytes", len(payload))
	}
	z.in = payload[k:]
	if _, err := io.ReadFull(z.dec, z.plain[:n]); err != nil {
		return nil, protoErr("decompressing data: %v", err)
	}
	if len(z.in) > 0 {
		return nil, protoErr("compressed data message holds %d bytes past its chunk", len(z.in))
	}
	return z.plain[:n], nil
}

func (z *streamDecoder) close() { z.dec.Close() }
