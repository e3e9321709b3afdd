package agentwire

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
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

// TestCompressedChunkLimits refuses compressed chunks that would decode to more than a
// data message may hold.
func TestCompressedChunkLimits(t *testing.T) {
	big := make([]byte, 2*delta.MaxDataLen)
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	z := enc.EncodeAll(big, nil)
	_, err := decodeChunk(z, nil)
	require.Error(t, err)
	_, err = decodeChunk(nil, nil)
	require.Error(t, err)
}
