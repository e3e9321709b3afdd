package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/ferrysync/ferry/protocol"
)

// stream is a jsonrpc2.ObjectStream with LSP framing that answers a malformed message
// with a JSON-RPC error and goes on reading, instead of dropping the connection. Only a
// broken header, after which the stream cannot be resynchronized, ends it.
type stream struct {
	conn io.ReadWriteCloser
	r    *bufio.Reader
	wmu  sync.Mutex
	w    *bufio.Writer
}

func newStream(conn io.ReadWriteCloser) *stream {
	return &stream{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), w: bufio.NewWriterSize(conn, 64<<10)}
}

// WriteObject implements jsonrpc2.ObjectStream.
func (s *stream) WriteObject(obj any) error {
	body, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return s.writeFrame(body)
}

func (s *stream) writeFrame(body []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := protocol.WriteFrame(s.w, body); err != nil {
		return err
	}
	return s.w.Flush()
}

// ReadObject implements jsonrpc2.ObjectStream.
func (s *stream) ReadObject(v any) error {
	for {
		body, err := protocol.ReadFrame(s.r)
		if errors.Is(err, protocol.ErrFraming) {
			s.writeError(nil, protocol.CodeParseError, fmt.Sprintf("%v; send messages as \"Content-Length: N\\r\\n\\r\\n\" followed by N bytes of JSON", err))
			return err
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(body, v); err != nil {
			if !json.Valid(body) {
				s.writeError(nil, protocol.CodeParseError, fmt.Sprintf("the message is not valid JSON: %v", err))
				continue
			}
			var probe struct {
				ID json.RawMessage `json:"id"`
			}
			json.Unmarshal(body, &probe)
			s.writeError(probe.ID, protocol.CodeInvalidRequest, fmt.Sprintf("not a JSON-RPC 2.0 request or response: %v", err))
			continue
		}
		return nil
	}
}

// writeError sends an error response with the given id (null when unknown).
func (s *stream) writeError(id json.RawMessage, code int, msg string) {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	body, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": id,
		"error": map[string]any{"code": code, "message": msg},
	})
	s.writeFrame(body)
}

// Close implements jsonrpc2.ObjectStream.
func (s *stream) Close() error { return s.conn.Close() }
