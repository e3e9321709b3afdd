package agentwire

import (
	"encoding/binary"
	"fmt"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
)

// Sender is an endpoint.Receiver that writes what it is given to a stream as content
// messages. Close ends a receive stream: it sends TypeClose and returns the problems
// the far receiver reports.
type Sender struct {
	c   *Conn
	buf []byte
}

// NewSender returns a Sender writing to c.
func NewSender(c *Conn) *Sender { return &Sender{c: c} }

// Begin implements endpoint.Receiver.
func (s *Sender) Begin(i int) error {
	s.buf = binary.AppendUvarint(s.buf[:0], uint64(i))
	return s.c.Write(TypeBegin, s.buf)
}

// Op implements endpoint.Receiver.
func (s *Sender) Op(op delta.Op) error {
	if op.Kind == delta.OpData {
		return s.c.Write(TypeData, op.Data)
	}
	s.buf = binary.AppendUvarint(binary.AppendUvarint(s.buf[:0], uint64(op.Block)), uint64(op.Count))
	return s.c.Write(TypeCopy, s.buf)
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
