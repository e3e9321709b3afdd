package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/ferrysync/ferry/protocol"
	"github.com/ferrysync/ferry/server"
)

// StoppedError is what Relay returns when the daemon closed the connection after
// announcing a deliberate stop (daemon/stopping, which was relayed).
type StoppedError struct {
	Info protocol.DaemonStopping
}

func (e *StoppedError) Error() string {
	return "the daemon stopped on purpose (" + server.DescribeStop(e.Info) + "); any ferry command, or ferry --stdio, starts it again"
}

// Relay serves the API on stdin/stdout by relaying frames to and from the daemon of
// opts.DataDir (started if absent and opts.Autostart is set). Requests, responses,
// notifications and the daemon's requests to the client all pass through unchanged. A
// frame with a broken header gets a JSON-RPC error on stdout. Before relaying, a
// daemon of another version is dealt with as opts.OtherVersion says (with a short
// connection of its own, named opts.Name). Relay returns when stdin reaches its end
// (the sessions go on in the daemon) or the daemon goes away: after daemon/stopping,
// with a *StoppedError.
func Relay(ctx context.Context, stdin io.Reader, stdout io.Writer, opts ClientOptions) error {
	if opts.OtherVersion != UseAnyVersion {
		probe := opts
		probe.Quiet, probe.Prompt, probe.OnState, probe.OnForward, probe.OnStopping = true, nil, nil, nil, nil
		c, err := Dial(ctx, probe)
		if err != nil {
			return err
		}
		c.Close()
	}
	conn, err := dialSocket(ctx, opts.DataDir, opts.Autostart)
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
	var stopping *protocol.DaemonStopping // set by the daemon reader before it ends
	var refusal *jsonrpc2.Error
	go func() {
		r := bufio.NewReaderSize(conn, 64<<10)
		for {
			body, err := protocol.ReadFrame(r)
			if err != nil {
				daemonDone <- err
				return
			}
			if bytes.Contains(body, []byte(protocol.NotifyDaemonStopping)) {
				var n struct {
					Method string                  `json:"method"`
					Params protocol.DaemonStopping `json:"params"`
				}
				if json.Unmarshal(body, &n) == nil && n.Method == protocol.NotifyDaemonStopping {
					stopping = &n.Params
				}
			} else if e := server.OrphanError(body); e != nil && e.Code == protocol.CodePermissionDenied {
				refusal = e
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
		switch {
		case stopping != nil:
			return &StoppedError{Info: *stopping}
		case refusal != nil:
			return errors.New(refusal.Message)
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return errors.New("the daemon closed the connection without saying why (it may have crashed; see its log " + server.LogPath(opts.DataDir) + ")")
		}
		return fmt.Errorf("daemon connection: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
}
