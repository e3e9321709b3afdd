package agentwire

import (
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
