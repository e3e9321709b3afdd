package ssh

import (
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// keepAliveRequest is the global request OpenSSH's ServerAliveInterval
// sends; servers answer it (with a failure, which is fine).
const keepAliveRequest = "keepalive@openssh.com"

// keepAlive probes c every interval and closes it once countMax probes in a
// row have gone unanswered for an interval each. It returns when done is
// closed (the connection ended) or when it closes c. At most one probe is
// outstanding at a time.
func keepAlive(c gossh.Conn, interval time.Duration, countMax int, done <-chan struct{}) {
	if countMax < 1 {
		countMax = 1
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	replies := make(chan error, 1)
	pending, missed := false, 0
	for {
		select {
		case <-done:
			return
		case err := <-replies:
			if err != nil {
				return // the connection is gone
			}
			pending, missed = false, 0
		case <-tick.C:
			if pending {
				if missed++; missed >= countMax {
					c.Close()
					return
				}
				continue
			}
			pending = true
			go func() {
				_, _, err := c.SendRequest(keepAliveRequest, true, nil)
				replies <- err
			}()
		}
	}
}
