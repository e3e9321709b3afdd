package agentwire

import (
	"encoding/binary"
	"io"
	"time"

	"github.com/hashicorp/yamux"
)

// YamuxConfig is the configuration of both ends of the yamux session.
//
//   - MaxStreamWindowSize 16 MiB: yamux's 256 KiB default caps a stream at one window
//     per round trip (a few MB/s over a WAN link); bulk transfers need a window of
//     several bandwidth-delay products.
//   - Keepalive every 15s, so a dead connection is noticed even when idle.
//   - ConnectionWriteTimeout 2 min: yamux closes the whole session when one frame
//     cannot be written for this long. Its 10s default kills healthy sessions whose
//     SSH channel window is momentarily full during bulk transfers over slow links;
//     keepalives (and SSH's own ServerAlive) detect truly dead links instead.
//   - StreamCloseTimeout 1 min, StreamOpenTimeout 1 min: bounded, so a vanished peer
//     cannot leave streams pending forever.
//   - Logs go nowhere: errors surface through the API instead.
func YamuxConfig() *yamux.Config {
	c := yamux.DefaultConfig()
	c.AcceptBacklog = 1024
	c.MaxStreamWindowSize = 16 << 20
	c.EnableKeepAlive = true
	c.KeepAliveInterval = 15 * time.Second
	c.ConnectionWriteTimeout = 2 * time.Minute
	c.StreamCloseTimeout = time.Minute
	c.StreamOpenTimeout = time.Minute
	c.LogOutput = io.Discard
	return c
}

// Coalescer joins each yamux data frame's header with its body into one write. yamux
// writes a frame as two writes; on an SSH channel each write becomes a packet of its
// own (encrypted, authenticated, sent), so coalescing halves the packets and syscalls
// of every forwarded byte. The header (12 bytes: version, type, flags, stream,
// length) says whether a body follows: only a data frame with a non-zero length is
// held back. Writes come from yamux's single send loop.
type Coalescer struct {
	W   io.Writer
	hdr []byte // a held header, if any
	buf []byte // reused to join header and body
}

// yamux header layout.
const (
	yamuxHeaderSize = 12
	yamuxTypeData   = 0
)

// Write implements io.Writer.
func (c *Coalescer) Write(p []byte) (int, error) {
	if len(c.hdr) > 0 {
		c.buf = append(append(c.buf[:0], c.hdr...), p...)
		c.hdr = c.hdr[:0]
		if _, err := c.W.Write(c.buf); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if len(p) == yamuxHeaderSize && p[1] == yamuxTypeData && binary.BigEndian.Uint32(p[8:12]) > 0 {
		c.hdr = append(c.hdr[:0], p...)
		return len(p), nil
	}
	return c.W.Write(p)
}
