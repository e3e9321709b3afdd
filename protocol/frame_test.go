package protocol

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteFrame(&buf, []byte(`{"a":1}`)))
	buf.WriteString("content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}")
	r := bufio.NewReader(&buf)
	body, err := ReadFrame(r)
	require.NoError(t, err)
	require.Equal(t, `{"a":1}`, string(body))
	body, err = ReadFrame(r)
	require.NoError(t, err)
	require.Equal(t, `{}`, string(body))
	_, err = ReadFrame(r)
	require.ErrorIs(t, err, io.EOF)

	for _, bad := range []string{"Content-Length: x\r\n\r\n", "no colon\r\n\r\n", "\r\n", "Content-Length: 999999999999\r\n\r\n"} {
		_, err := ReadFrame(bufio.NewReader(bytes.NewBufferString(bad)))
		require.ErrorIs(t, err, ErrFraming, bad)
	}
	// After a broken header, SkipToHeader finds the next message.
	r = bufio.NewReader(bytes.NewBufferString("garbage\r\nmore\r\nContent-Length: 2\r\n\r\n[]"))
	_, err = ReadFrame(r)
	require.ErrorIs(t, err, ErrFraming)
	require.NoError(t, SkipToHeader(r))
	body, err = ReadFrame(r)
	require.NoError(t, err)
	require.Equal(t, "[]", string(body))
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte("Content-Length: 2\r\n\r\n{}"))
	f.Add([]byte("Content-Length: 5\r\n\r\n{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bufio.NewReader(bytes.NewReader(data))
		for i := 0; i < 5; i++ {
			body, err := ReadFrame(r)
			if errors.Is(err, ErrFraming) {
				if SkipToHeader(r) != nil {
					return
				}
				continue
			}
			if err != nil {
				return
			}
			if len(body) > len(data) {
				t.Fatalf("a body of %d bytes from %d bytes of input", len(body), len(data))
			}
		}
	})
}
