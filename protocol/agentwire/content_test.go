package agentwire

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"slices"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
)

// recorder is a receiver that keeps what it is given.
type recorder struct {
	files [][]byte
	cur   *bytes.Buffer
}

func (r *recorder) Begin(int) error { r.cur = new(bytes.Buffer); return nil }
func (r *recorder) Op(op delta.Op) error {
	r.cur.Write(op.Data)
	return nil
}
func (r *recorder) End() error                         { r.files = append(r.files, r.cur.Bytes()); return nil }
func (r *recorder) Skip(int, string) error             { return nil }
func (r *recorder) Close() ([]endpoint.Problem, error) { return nil, nil }

// counter counts the bytes that pass.
type counter struct {
	net.Conn
	n int
}

func (c *counter) Write(p []byte) (int, error) {
	c.n += len(p)
	return c.Conn.Write(p)
}

// TestContentCompression sends a file of zeros, a text file and a random file through
// a compressing sender: they arrive intact; the zeros take under 1% of their size on
// the wire, the text less than it is, and the random file (which does not compress)
// about its size; without compression every file takes its size.
func TestContentCompression(t *testing.T) {
	zeros := make([]byte, 4<<20)
	text := bytes.Repeat([]byte("func main() { fmt.Println(\"hello, ferry\") }\n"), 40000)
	random := make([]byte, 2<<20)
	rand.Read(random)
	files := [][]byte{zeros, text, random}
	for _, compress := range []bool{true, false} {
		a, b := net.Pipe()
		wire := &counter{Conn: a}
		rec := &recorder{}
		done := make(chan error, 1)
		go func() { done <- Receive(NewConn(b), rec, TypeDone) }()
		s := NewSender(NewConn(struct {
			io.Reader
			io.Writer
			io.Closer
		}{a, wire, a}), compress)
		var sizes []int
		for i, f := range files {
			before := wire.n
			require.NoError(t, s.Begin(i))
			for off := 0; off < len(f); off += delta.MaxDataLen {
				require.NoError(t, s.Op(delta.Op{Kind: delta.OpData, Data: f[off:min(off+delta.MaxDataLen, len(f))]}))
			}
			require.NoError(t, s.End())
			require.NoError(t, s.c.Flush())
			sizes = append(sizes, wire.n-before)
		}
		require.NoError(t, s.c.Send(TypeDone, nil))
		require.NoError(t, <-done)
		for i, f := range files {
			require.True(t, bytes.Equal(f, rec.files[i]), "file %d arrived changed (compress %v)", i, compress)
		}
		if compress {
			require.Less(t, sizes[0], len(zeros)/100, "zeros")
			require.Less(t, sizes[1], len(text)/4, "text")
			require.Greater(t, sizes[2], len(random)*99/100, "random data is sent as it is")
			require.Less(t, sizes[2], len(random)*101/100, "random data is sent as it is")
		} else {
			for i, f := range files {
				require.GreaterOrEqual(t, sizes[i], len(f), "file %d", i)
			}
		}
		a.Close()
		b.Close()
	}
}

// TestCompressionSpansFiles: many small files that share their words travel as one
// compressed stream, each against the ones before it, so together they take far less
// than compressed one by one; and they arrive intact.
func TestCompressionSpansFiles(t *testing.T) {
	var files [][]byte
	for i := range 300 {
		var b bytes.Buffer
		fmt.Fprintf(&b, "// Package p%d is generated.\npackage p%d\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\n", i, i)
		for j := range 20 {
			fmt.Fprintf(&b, "func handle%d_%d(w io.Writer, r *Request) error {\n\tif err := r.Validate(%d); err != nil {\n\t\treturn fmt.Errorf(\"request %d: %%w\", err)\n\t}\n\treturn nil\n}\n\n", i, j, i*j, j)
		}
		files = append(files, b.Bytes())
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	wire := &counter{Conn: a}
	rec := &recorder{}
	done := make(chan error, 1)
	go func() { done <- Receive(NewConn(b), rec, TypeDone) }()
	s := NewSender(NewConn(struct {
		io.Reader
		io.Writer
		io.Closer
	}{a, wire, a}), true)
	alone := 0 // each file compressed on its own
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	for i, f := range files {
		alone += len(enc.EncodeAll(f, nil))
		require.NoError(t, s.Begin(i))
		require.NoError(t, s.Op(delta.Op{Kind: delta.OpData, Data: f}))
		require.NoError(t, s.End())
	}
	require.NoError(t, s.c.Send(TypeDone, nil))
	require.NoError(t, <-done)
	require.Len(t, rec.files, len(files))
	for i, f := range files {
		require.True(t, bytes.Equal(f, rec.files[i]), "file %d arrived changed", i)
	}
	require.Less(t, wire.n, alone/2, "the files compress against each other")
}

// TestCompressedChunkLimits refuses compressed chunks that claim no length or more
// than a data message may hold, that hold no stream bytes, that end before their
// chunk does, or that hold bytes past it.
func TestCompressedChunkLimits(t *testing.T) {
	var out chunkBuffer
	enc, _ := zstd.NewWriter(&out, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(streamWindow))
	chunk := bytes.Repeat([]byte("ferry "), 1000)
	enc.Write(chunk)
	enc.Flush()
	stream := out.b
	msg := func(n int, b []byte) []byte { return append(binary.AppendUvarint(nil, uint64(n)), b...) }

	got, err := newStreamDecoder().chunk(msg(len(chunk), stream))
	require.NoError(t, err)
	require.Equal(t, chunk, got)
	for name, payload := range map[string][]byte{
		"no length":          nil,
		"zero length":        msg(0, stream),
		"too long":           msg(delta.MaxDataLen+1, stream),
		"no stream bytes":    msg(len(chunk), nil),
		"ends early":         msg(len(chunk), stream[:len(stream)/2]),
		"longer than stated": msg(len(chunk)+1, stream),
		"bytes past it":      msg(len(chunk), append(slices.Clone(stream), 0, 0, 0)),
		"not zstd":           msg(len(chunk), chunk),
	} {
		_, err := newStreamDecoder().chunk(payload)
		require.ErrorIs(t, err, ErrProtocol, name)
	}
}
