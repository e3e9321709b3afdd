package bench

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/ssh/knownhosts"
)

// Proxy relays TCP connections from a 127.0.0.1 port to a target and counts the
// bytes it carries each way: the bytes "on the wire" between an ssh client and sshd.
// With a Link it is also the link simulator: each direction of each connection is
// delayed and paced to the link's shape (shapeCopy), in order and with bounded
// buffering.
type Proxy struct {
	ln     net.Listener
	target string
	link   Link
	up     atomic.Int64 // client to target
	down   atomic.Int64 // target to client
	wg     sync.WaitGroup
}

// StartProxy listens on a free 127.0.0.1 port and relays to target over link (the
// zero Link: as fast as it can).
func StartProxy(target string, link Link) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, link: link}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Port is the port the proxy listens on.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Reset zeroes the counters.
func (p *Proxy) Reset() { p.up.Store(0); p.down.Store(0) }

// Bytes returns what went each way since the last Reset.
func (p *Proxy) Bytes() (up, down int64) { return p.up.Load(), p.down.Load() }

// Close stops accepting; relayed connections end with their peers.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.relay(c.(*net.TCPConn))
	}
}

func (p *Proxy) relay(client *net.TCPConn) {
	defer client.Close()
	t, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	target := t.(*net.TCPConn)
	defer target.Close()
	done := make(chan struct{})
	if p.link.IsZero() {
		go func() {
			copyCounting(target, client, &p.up)
			close(done)
		}()
		copyCounting(client, target, &p.down)
	} else {
		go func() {
			shapeCopy(target, client, p.link.Up, &p.up)
			close(done)
		}()
		shapeCopy(client, target, p.link.Down, &p.down)
	}
	<-done
}

// copyCounting copies until EOF, counts, and passes the EOF on as a half-close.
func copyCounting(dst, src *net.TCPConn, n *atomic.Int64) {
	buf := make([]byte, 256<<10)
	for {
		k, err := src.Read(buf)
		if k > 0 {
			n.Add(int64(k))
			if _, werr := dst.Write(buf[:k]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	dst.CloseWrite()
}

// AddAlias appends a Host block named alias to the harness's ssh config that reaches
// its sshd through 127.0.0.1:port (a proxy), and trusts sshd's host keys there.
func (e *Env) AddAlias(alias string, port int) error {
	s := e.SSHD
	block := fmt.Sprintf("\nHost %s\n  HostName 127.0.0.1\n  Port %d\n  User %s\n  IdentityFile %s\n  UserKnownHostsFile %s\n  GlobalKnownHostsFile /dev/null\n",
		alias, port, s.User(), s.IdentityFile(), s.KnownHostsPath())
	var kh string
	for _, k := range s.HostKeys() {
		kh += knownhosts.Line([]string{fmt.Sprintf("127.0.0.1:%d", port)}, k) + "\n"
	}
	if err := appendTo(s.ConfigPath(), block); err != nil {
		return err
	}
	return appendTo(s.KnownHostsPath(), kh)
}

func appendTo(name, text string) error {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
