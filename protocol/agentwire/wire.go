package agentwire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/klauspost/compress/zstd"
)

// Magic starts the agent's hello.
const Magic = "FERRY-AGENT\x00"

// Version is the agent protocol version.
const Version = 9

// MaxMessage bounds one message's payload.
const MaxMessage = 256 << 20

// ErrProtocol wraps every malformed-input error.
var ErrProtocol = errors.New("agent protocol error")

func protoErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// WriteHello writes the agent's hello.
func WriteHello(w io.Writer, build string) error {
	buf := binary.AppendUvarint([]byte(Magic), Version)
	buf = AppendString(buf, build)
	_, err := w.Write(buf)
	return err
}

// ReadHello reads an agent's hello and returns its protocol and build versions. It
// reads byte by byte, so nothing after the hello is consumed.
func ReadHello(r io.Reader) (version uint64, build string, err error) {
	br := byteReader{r}
	magic := make([]byte, len(Magic))
	for i := range magic {
		if magic[i], err = br.ReadByte(); err != nil {
			if i > 0 {
				return 0, "", protoErr("not a ferry agent (it printed %q)", magic[:i])
			}
			return 0, "", err
		}
		if magic[i] != Magic[i] {
			return 0, "", protoErr("not a ferry agent (it printed %q)", magic[:i+1])
		}
	}
	if version, err = binary.ReadUvarint(br); err != nil {
		return 0, "", err
	}
	n, err := binary.ReadUvarint(br)
	if err != nil || n > 256 {
		return 0, "", protoErr("bad build version")
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return 0, "", err
	}
	return version, string(b), nil
}

type byteReader struct{ r io.Reader }

func (b byteReader) ReadByte() (byte, error) {
	var p [1]byte
	_, err := io.ReadFull(b.r, p[:])
	return p[0], err
}

// Kinds of streams: the first message on a stream the daemon opens.
const (
	// KindEndpoint opens an endpoint (payload: EndpointOpen as JSON). The agent
	// replies TypeOK with the handle and the replica identifier, then sends TypeChanged on this stream whenever
	// the endpoint sees changes; closing the stream closes the endpoint.
	KindEndpoint byte = iota + 1
	// KindCall runs one endpoint method (payload: handle, method, arguments) and
	// replies TypeOK (or TypeOKZ, compressed) with the result, or TypeError.
	KindCall
	// KindReceive feeds the endpoint's receiver (payload: handle), then carries
	// content messages (TypeBegin, TypeData, TypeCopy, TypeEnd, TypeSkip) and a
	// TypeClose; the agent replies TypeOK with the problems.
	KindReceive
	// KindSupply asks the endpoint to supply contents (payload: handle, a byte set to
	// compress, needed list);
	// the agent streams content messages, then TypeDone or TypeError.
	KindSupply
	// KindDial asks the agent to dial a destination and relay bytes (forwarding).
	KindDial
	// KindListen asks the agent to listen and open a stream per accepted connection.
	KindListen
	// KindPorts asks for the listening TCP ports (reply TypeOK with JSON).
	KindPorts
)

// Message types.
const (
	TypeOpen byte = iota + 1
	TypeOK
	TypeOKZ
	TypeError
	TypeChanged
	TypeBegin
	TypeData
	TypeCopy
	TypeEnd
	TypeSkip
	TypeClose
	TypeDone
	// TypeDataZ is TypeData compressed with zstd (a content stream whose sender
	// compresses): the chunk's length, then the bytes one zstd stream per content
	// stream holds for it.
	TypeDataZ
)

// Conn frames messages on a stream. Reads and writes may happen on two goroutines,
// but each direction from one at a time.
type Conn struct {
	rw io.ReadWriteCloser
	r  *bufio.Reader
	w  *bufio.Writer
}

// connBuffer is the size of a Conn's read and write buffers: enough to batch small
// messages; larger reads and writes bypass the buffers. Every forwarded connection
// has a Conn on each side, so this is also per-connection memory.
const connBuffer = 16 << 10

// NewConn wraps a stream.
func NewConn(rw io.ReadWriteCloser) *Conn {
	return &Conn{rw: rw, r: bufio.NewReaderSize(rw, connBuffer), w: bufio.NewWriterSize(rw, connBuffer)}
}

// Write buffers a message; Flush sends what is buffered.
func (c *Conn) Write(typ byte, payload []byte) error {
	var hdr [binary.MaxVarintLen64 + 1]byte
	n := binary.PutUvarint(hdr[:], uint64(len(payload)))
	hdr[n] = typ
	if _, err := c.w.Write(hdr[:n+1]); err != nil {
		return err
	}
	_, err := c.w.Write(payload)
	return err
}

// Send writes a message and flushes.
func (c *Conn) Send(typ byte, payload []byte) error {
	if err := c.Write(typ, payload); err != nil {
		return err
	}
	return c.w.Flush()
}

// Flush sends buffered messages.
func (c *Conn) Flush() error { return c.w.Flush() }

// Read reads the next message. The payload is valid until the next Read.
func (c *Conn) Read(scratch []byte) (typ byte, payload []byte, err error) {
	n, err := binary.ReadUvarint(c.r)
	if err != nil {
		return 0, nil, err
	}
	if n > MaxMessage {
		return 0, nil, protoErr("message of %d bytes", n)
	}
	if typ, err = c.r.ReadByte(); err != nil {
		return 0, nil, noEOF(err)
	}
	if uint64(cap(scratch)) >= n {
		payload = scratch[:n]
	} else {
		payload = make([]byte, n)
	}
	if _, err := io.ReadFull(c.r, payload); err != nil {
		return 0, nil, noEOF(err)
	}
	return typ, payload, nil
}

// Expect reads a message of type want; a TypeError message becomes an error.
func (c *Conn) Expect(want byte) ([]byte, error) {
	typ, payload, err := c.Read(nil)
	if err != nil {
		return nil, err
	}
	return Result(typ, payload, want)
}

// Result interprets a reply: TypeError is a RemoteError, TypeOKZ is decompressed when
// TypeOK is wanted, any other unexpected type is a protocol error.
func Result(typ byte, payload []byte, want byte) ([]byte, error) {
	switch {
	case typ == TypeError:
		return nil, &RemoteError{Msg: string(payload)}
	case typ == want:
		return payload, nil
	case typ == TypeOKZ && want == TypeOK:
		return decompress(payload)
	}
	return nil, protoErr("unexpected message type %d (want %d)", typ, want)
}

// Close closes the stream.
func (c *Conn) Close() error { return c.rw.Close() }

// RemoteError is an error the agent reported.
type RemoteError struct{ Msg string }

func (e *RemoteError) Error() string { return e.Msg }

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// compressAbove is the payload size from which replies are compressed.
const compressAbove = 64 << 10

var (
	encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(MaxMessage))
)

// Reply sends a successful reply, compressed when large.
func (c *Conn) Reply(payload []byte) error {
	if len(payload) >= compressAbove {
		return c.Send(TypeOKZ, encoder.EncodeAll(payload, make([]byte, 0, len(payload)/4)))
	}
	return c.Send(TypeOK, payload)
}

// ReplyError sends an error reply.
func (c *Conn) ReplyError(err error) error { return c.Send(TypeError, []byte(err.Error())) }

func decompress(p []byte) ([]byte, error) {
	out, err := decoder.DecodeAll(p, nil)
	if err != nil {
		return nil, protoErr("decompressing: %v", err)
	}
	return out, nil
}

// ReadRaw reads bytes that follow the messages on a stream (forwarded connections
// switch to raw bytes after their first reply), including any already buffered.
func (c *Conn) ReadRaw(p []byte) (int, error) { return c.r.Read(p) }

// WriteRaw writes raw bytes after any buffered messages, in one write to the stream
// when they fit the buffer (a reply and the first bytes then travel in one frame).
func (c *Conn) WriteRaw(p []byte) (int, error) {
	if c.w.Buffered() > 0 {
		if len(p) <= c.w.Available() {
			c.w.Write(p)
			return len(p), c.w.Flush()
		}
		if err := c.w.Flush(); err != nil {
			return 0, err
		}
	}
	return c.rw.Write(p)
}

// Raw is a stream that carries raw bytes after its first messages (a forwarded
// connection). Reads drain what the message reader buffered first.
type Raw struct {
	net.Conn
	c *Conn
}

// Raw returns the stream as a raw connection; the stream must be a net.Conn.
func (c *Conn) Raw() *Raw { return &Raw{Conn: c.rw.(net.Conn), c: c} }

// Read implements net.Conn.
func (r *Raw) Read(p []byte) (int, error) { return r.c.ReadRaw(p) }

// Write implements net.Conn.
func (r *Raw) Write(p []byte) (int, error) { return r.c.WriteRaw(p) }

// CloseWrite half-closes the stream (after sending what is buffered): a yamux Close
// sends FIN and keeps receiving.
func (r *Raw) CloseWrite() error {
	r.c.Flush()
	return r.Conn.Close()
}
