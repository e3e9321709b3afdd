package agent

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/protocol/agentwire"
)

// serveOther handles the stream kinds that are not about sync endpoints.
func (a *Agent) serveOther(c *agentwire.Conn, kind byte, payload []byte) error {
	switch kind {
	case agentwire.KindDial:
		return a.serveDial(c, payload)
	case agentwire.KindListen:
		return a.serveListen(c, payload)
	case agentwire.KindPorts:
		ports, err := listeningPorts()
		if err != nil {
			return c.ReplyError(err)
		}
		data, _ := json.Marshal(ports)
		return c.Reply(data)
	}
	return c.ReplyError(fmt.Errorf("this agent does not support stream kind %d; the daemon and agent versions differ", kind))
}

func mkdirAll(dir string) error { return os.MkdirAll(dir, 0o700) }

// expand resolves "~/" in a socket path against the agent's home.
func (a *Agent) expand(network, addr string) string {
	if network == "unix" && strings.HasPrefix(addr, "~/") {
		return filepath.Join(a.opts.Home, addr[2:])
	}
	return addr
}

// serveDial dials for the daemon and relays the stream to the connection.
func (a *Agent) serveDial(c *agentwire.Conn, payload []byte) error {
	var req agentwire.ForwardDial
	if err := json.Unmarshal(payload, &req); err != nil {
		return c.ReplyError(fmt.Errorf("bad dial request: %v", err))
	}
	conn, err := forward.DialLocal(a.ctx, req.Network, a.expand(req.Network, req.Address))
	if err != nil {
		return c.ReplyError(err)
	}
	// The verdict waits in the buffer for the first bytes from the destination (or the
	// end of the connection), so both travel in one frame.
	if err := c.Write(agentwire.TypeOK, nil); err != nil {
		conn.Close()
		return err
	}
	forward.Relay(c.Raw(), conn, nil, nil)
	return nil
}

// serveListen listens for the daemon; every accepted connection goes back on a stream
// of its own. Closing the request stream closes the listener.
func (a *Agent) serveListen(c *agentwire.Conn, payload []byte) error {
	var req agentwire.ForwardListen
	if err := json.Unmarshal(payload, &req); err != nil {
		return c.ReplyError(fmt.Errorf("bad listen request: %v", err))
	}
	ln, err := forward.ListenLocal(req.Network, a.expand(req.Network, req.Address),
		forward.ListenOptions{SocketMode: fs.FileMode(req.SocketMode), SocketOverwrite: req.SocketOverwrite})
	if err != nil {
		return c.ReplyError(err)
	}
	defer ln.Close()
	id := listenerIDs.Add(1)
	if err := c.Send(agentwire.TypeOK, binary.AppendUvarint(nil, id)); err != nil {
		return err
	}
	go func() {
		c.Read(nil) // returns when the daemon closes the stream
		ln.Close()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return nil
		}
		go a.reverse(id, conn)
	}
}

var listenerIDs atomic.Uint64

// reverse opens a stream to the daemon for a connection a listener accepted.
func (a *Agent) reverse(id uint64, conn forward.Conn) {
	st, err := a.sess.OpenStream()
	if err != nil {
		conn.Close()
		return
	}
	c := agentwire.NewConn(st)
	if err := c.Send(agentwire.TypeOpen, binary.AppendUvarint(nil, id)); err != nil {
		conn.Close()
		st.Close()
		return
	}
	forward.Relay(conn, c.Raw(), nil, nil)
}
