package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/ferrysync/ferry/protocol"
)

// Relay serves the API on stdin/stdout by relaying frames to and from the daemon of
// dataDir (started if absent and autostart is set). Requests, responses, notifications
// and the daemon's requests to the client all pass through unchanged. A frame with a
// broken header gets a JSON-RPC error on stdout. Relay returns when stdin reaches its
// end (the sessions go on in the daemon) or the daemon goes away.
func Relay(ctx context.Context, stdin io.Reader, stdout io.Writer, dataDir string, autostart bool) error {
	conn, err := dialSocket(ctx, dataDir, autostart)
	if err != nil {
		return err
	}
	defer conn.Close()
	var outMu sync.Mutex
	out := bufio.NewWriter(stdout)
	writeOut := func(body []byte) error {
		outMu.Lock()
		defer outMu.Unlock()
		if err := protocol.WriteFrame(out, body); err != nil {
			return err
		}
		return out.Flush()
	}
	daemonDone := make(chan error, 1)
	go func() {
		r := bufio.NewReaderSize(conn, 64<<10)
		for {
			body, err := protocol.ReadFrame(r)
			if err != nil {
				daemonDone <- err
				return
			}
			if err := writeOut(body); err != nil {
				daemonDone <- err
				return
			}
		}
	}()
	editorDone := make(chan error, 1)
	go func() {
		in := bufio.NewReaderSize(stdin, 64<<10)
		w := bufio.NewWriter(conn)
		for {
			body, err := protocol.ReadFrame(in)
			if errors.Is(err, protocol.ErrFraming) {
				msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{
					"code": protocol.CodeParseError, "message": fmt.Sprintf("%v; send messages as \"Content-Length: N\\r\\n\\r\\n\" followed by N bytes of JSON", err),
				}})
				writeOut(msg)
				if err := protocol.SkipToHeader(in); err != nil {
					editorDone <- nil
					return
				}
				continue
			}
			if err != nil {
				editorDone <- nil // end of input: the editor is gone
				return
			}
			if err := protocol.WriteFrame(w, body); err == nil {
				err = w.Flush()
			}
			if err != nil {
				editorDone <- err
				return
			}
		}
	}()
	select {
	case err := <-editorDone:
		return err
	case err := <-daemonDone:
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return errors.New("the daemon closed the connection (it was stopped)")
		}
		return fmt.Errorf("daemon connection: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
}
