package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/ferrysync/ferry/protocol"
)

// Stream is a jsonrpc2.ObjectStream with LSP framing that answers a malformed message
// with a JSON-RPC error and goes on reading, instead of dropping the connection. Only a
// broken header, after which the stream cannot be resynchronized, ends it.
type Stream struct {
	conn io.ReadWriteCloser
	r    *bufio.Reader
	wmu  sync.Mutex
	w    *bufio.Writer
	// orphan is the last error response with a null id that was read: what a server
	// says before it closes a connection it refuses.
	orphan atomic.Pointer[jsonrpc2.Error]
}

// NewStream frames messages on conn.
func NewStream(conn io.ReadWriteCloser) *Stream {
	return &Stream{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), w: bufio.NewWriterSize(conn, 64<<10)}
}

// Orphan returns the last error response with a null id read, if any: a daemon's
// reason for refusing the connection.
func (s *Stream) Orphan() *jsonrpc2.Error { return s.orphan.Load() }

// WriteObject implements jsonrpc2.ObjectStream.
func (s *Stream) WriteObject(obj any) error {
	body, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return s.writeFrame(body)
}

func (s *Stream) writeFrame(body []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := protocol.WriteFrame(s.w, body); err != nil {
		return err
	}
	return s.w.Flush()
}

// ReadObject implements jsonrpc2.ObjectStream.
func (s *Stream) ReadObject(v any) error {
	for {
		body, err := protocol.ReadFrame(s.r)
		if errors.Is(err, protocol.ErrFraming) {
			s.writeError(nil, protocol.CodeParseError, fmt.Sprintf("%v; send messages as \"Content-Length: N\\r\\n\\r\\n\" followed by N bytes of JSON", err))
			return err
		}
		if err != nil {
			return err
		}
		s.noteOrphan(body)
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

// noteOrphan records an error response that answers no request (a null id).
func (s *Stream) noteOrphan(body []byte) {
	if !bytes.Contains(body, []byte(`"error"`)) {
		return
	}
	if e := OrphanError(body); e != nil {
		s.orphan.Store(e)
	}
}

// OrphanError returns the error of a response with a null id in body, if it is one:
// what a daemon sends before it closes a connection it refuses.
func OrphanError(body []byte) *jsonrpc2.Error {
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Error  *jsonrpc2.Error `json:"error"`
	}
	if json.Unmarshal(body, &m) != nil || m.Method != "" || m.Error == nil {
		return nil
	}
	if id := string(bytes.TrimSpace(m.ID)); id != "" && id != "null" {
		return nil
	}
	return m.Error
}

// writeError sends an error response with the given id (null when unknown).
func (s *Stream) writeError(id json.RawMessage, code int, msg string) {
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
func (s *Stream) Close() error { return s.conn.Close() }
