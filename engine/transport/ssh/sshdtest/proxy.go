package sshdtest

import (
	"fmt"
	"net"
	"sync"

	"golang.org/x/crypto/ssh/knownhosts"
)

// Proxy is a TCP proxy on 127.0.0.1 in front of a server, whose path can be frozen:
// while frozen it passes nothing on, neither bytes nor closes, and holds the
// connections open, as a dead host or a network that drops every packet would (the
// client's TCP connection stays up, nothing answers). Connections made while frozen
// are accepted and held too. Thaw passes on what was held and goes on.
type Proxy struct {
	t      TB
	ln     net.Listener
	target string
	stop   chan struct{}

	mu     sync.Mutex
	thawed chan struct{} // closed while not frozen
	conns  map[net.Conn]struct{}
}

// StartProxy starts a proxy to target (host:port) that runs until the test ends.
func StartProxy(t TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sshdtest: proxy: %v", err)
	}
	p := &Proxy{t: t, ln: ln, target: target, stop: make(chan struct{}), thawed: make(chan struct{}),
		conns: map[net.Conn]struct{}{}}
	close(p.thawed)
	t.Cleanup(p.close)
	go p.serve()
	return p
}

// Port is the 127.0.0.1 port the proxy listens on.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Freeze stops passing anything on, until Thaw.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.thawed:
		p.thawed = make(chan struct{})
	default: // already frozen
	}
}

// Thaw passes on what was held and everything after it.
func (p *Proxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.thawed:
	default:
		close(p.thawed)
	}
}

func (p *Proxy) close() {
	close(p.stop)
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.stop:
		c.Close()
		return false
	default:
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			return
		}
		go func() {
			// Even the connection to the target waits while frozen: a frozen path
			// carries no SYN either.
			if !p.gate() {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				return
			}
			if !p.track(s) {
				c.Close()
				return
			}
			go p.pipe(c, s)
			go p.pipe(s, c)
		}()
	}
}

// gate waits while the proxy is frozen; false when the proxy stops.
func (p *Proxy) gate() bool {
	p.mu.Lock()
	thawed := p.thawed
	p.mu.Unlock()
	select {
	case <-thawed:
		return true
	case <-p.stop:
		return false
	}
}

func (p *Proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if !p.gate() {
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// AddProxyAlias names p, which must lead to s, as alias in the client config and
// known_hosts, with s's user, key and host keys, so that clients reach s through it
// (extra is added to the Host block, one directive per line).
func (s *Server) AddProxyAlias(alias string, p *Proxy, extra ...string) {
	s.t.Helper()
	block := fmt.Sprintf("\nHost %s\n  HostName 127.0.0.1\n  Port %d\n  User %s\n  IdentityFile %s\n  UserKnownHostsFile %s\n  GlobalKnownHostsFile /dev/null\n",
		alias, p.Port(), s.user, s.identity, s.knownHosts)
	for _, l := range extra {
		block += "  " + l + "\n"
	}
	var kh string
	for _, k := range s.hostKeys {
		kh += knownhosts.Line([]string{fmt.Sprintf("127.0.0.1:%d", p.Port())}, k) + "\n"
	}
	if err := appendFile(s.clientConfig, block); err != nil {
		s.t.Fatalf("sshdtest: %v", err)
	}
	if err := appendFile(s.knownHosts, kh); err != nil {
		s.t.Fatalf("sshdtest: %v", err)
	}
}
