package ssh

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// keepAliveRequest is the global request OpenSSH's ServerAliveInterval
// sends; servers answer it (with a failure, which is fine).
const keepAliveRequest = "keepalive@openssh.com"

// Keepalives when the ssh config sets none (ServerAliveInterval 0, which is
// also what "ssh -G" prints when it is not set): a silent connection is probed
// every 2 s and given up after 3 unanswered probes, so a host that stopped
// answering (a dead machine, a network that drops everything) is noticed
// within about 8 s.
const (
	defaultKeepAliveInterval = 2 * time.Second
	defaultKeepAliveCountMax = 3
)

// keepAliveSettings returns the probe interval and count for hc.
func keepAliveSettings(hc *HostConfig) (time.Duration, int) {
	interval, count := hc.ServerAliveInterval, hc.ServerAliveCountMax
	if interval <= 0 {
		interval = defaultKeepAliveInterval
	}
	if count < 1 {
		count = defaultKeepAliveCountMax
	}
	return interval, count
}

// liveConn is the connection under an SSH client: it counts the reads that
// brought bytes (any byte from the server shows it is alive), and fail closes
// it with a reason that its reads then return, so the client's Wait says why
// the connection ended.
type liveConn struct {
	net.Conn
	reads atomic.Uint64

	mu     sync.Mutex
	reason error
}

func (c *liveConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.reads.Add(1)
	}
	if err != nil {
		c.mu.Lock()
		if c.reason != nil {
			err = c.reason
		}
		c.mu.Unlock()
	}
	return n, err
}

// fail closes the connection; reads return reason from now on.
func (c *liveConn) fail(reason error) {
	c.mu.Lock()
	if c.reason == nil {
		c.reason = reason
	}
	c.mu.Unlock()
	c.Conn.Close()
}

// keepAlive watches the connection under client until done is closed (the
// connection ended). After every interval in which nothing arrived from the
// server it sends a probe (keepalive@openssh.com, at most one outstanding);
// once countMax intervals in a row have passed silent with a probe
// unanswered, it closes the connection with a reason naming host. Traffic
// counts as an answer, so a busy connection whose probe replies queue behind
// data is not given up.
func keepAlive(client gossh.Conn, conn *liveConn, host string, interval time.Duration, countMax int, done <-chan struct{}) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	replies := make(chan error, 1)
	pending, missed := false, 0
	seen := conn.reads.Load()
	for {
		select {
		case <-done:
			return
		case err := <-replies:
			if err != nil {
				return // the connection is gone
			}
			pending = false
		case <-tick.C:
			if n := conn.reads.Load(); n != seen {
				seen, missed = n, 0
				continue
			}
			if !pending {
				pending = true
				go func() {
					_, _, err := client.SendRequest(keepAliveRequest, true, nil)
					replies <- err
				}()
				continue
			}
			if missed++; missed >= countMax {
				conn.fail(fmt.Errorf("no answer from %s for %s (%d keepalives unanswered): the host or the network path to it is down", host, time.Duration(countMax+1)*interval, countMax))
				return
			}
		}
	}
}
