package agentwire

import (
	"bytes"
	"io"
	"net"
	"testing"

	"github.com/hashicorp/yamux"
	"github.com/stretchr/testify/require"
)

// countingWriter counts writes.
type countingWriter struct {
	w      io.Writer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) { c.writes++; return c.w.Write(p) }

func TestCoalescerJoinsHeaderAndBody(t *testing.T) {
	a, b := net.Pipe()
	cw := &countingWriter{w: a}
	type conn struct {
		io.Reader
		io.Writer
		io.Closer
	}
	client, err := yamux.Client(conn{a, &Coalescer{W: cw}, a}, YamuxConfig())
	require.NoError(t, err)
	server, err := yamux.Server(b, YamuxConfig())
	require.NoError(t, err)
	defer client.Close()
	defer server.Close()
	got := make(chan []byte)
	go func() {
		s, err := server.AcceptStream()
		if err != nil {
			close(got)
			return
		}
		data, _ := io.ReadAll(s)
		got <- data
	}()
	s, err := client.OpenStream()
	require.NoError(t, err)
	payload := bytes.Repeat([]byte("x"), 1000)
	before := cw.writes
	_, err = s.Write(payload)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.Equal(t, payload, <-got)
	// The data frame went out as one write (plus the FIN frame, which has no body).
	require.LessOrEqual(t, cw.writes-before, 3)
}
