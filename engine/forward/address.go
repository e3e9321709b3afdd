package forward

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/ferrysync/ferry/engine/url"
)

// Address is one side of a forward: a network address, on this machine, on an SSH
// host or in a container.
type Address struct {
	// Host is the SSH host ([user@]host[:port]) or the container
	// (ENGINE://[user@]container), with no path; its Host field is "" for this
	// machine.
	Host url.URL
	// Network is tcp, tcp4, tcp6 or unix.
	Network string
	// Addr is host:port for TCP, a path for unix.
	Addr string
}

// IsLocal reports whether the address is on this machine.
func (a Address) IsLocal() bool { return a.Host.Host == "" }

func (a Address) String() string {
	s := a.Network + ":" + a.Addr
	if a.IsLocal() {
		return s
	}
	if a.Host.IsContainer() {
		return a.Host.String() + ":" + s // docker://user@ctr, with an empty path
	}
	h := a.Host.String() // user@host:port:path, with an empty path
	return strings.TrimSuffix(h, ":") + ":" + s
}

var networks = []string{"tcp4:", "tcp6:", "tcp:", "unix:"}

// ParseAddress parses [user@]host[:port]:NETWORK:ADDRESS, where NETWORK is tcp, tcp4,
// tcp6 or unix, the host prefix is optional, and local unix paths are made absolute
// against cwd. In a container the prefix is ENGINE://[user@]container, as in
// docker://web:tcp:localhost:3000 (the container's own localhost).
func ParseAddress(s, cwd string) (Address, error) {
	switch scheme := url.Scheme(s); {
	case scheme == "", url.ContainerEngine(s) != "":
	case scheme == "unix":
		// unix:///run/x.sock is unix: and an absolute path.
	case scheme == "tcp", scheme == "tcp4", scheme == "tcp6":
		return Address{}, fmt.Errorf("invalid forwarding endpoint %q: write %s:HOST:PORT, without \"//\"", s, scheme)
	default:
		return Address{}, fmt.Errorf("invalid forwarding endpoint: %w", url.UnsupportedScheme(s, scheme, "[user@]host[:port]:tcp:HOST:PORT"))
	}
	start, network := -1, ""
	for i := 0; i < len(s) && start < 0; i++ {
		if i > 0 && s[i-1] != ':' {
			continue
		}
		for _, n := range networks {
			if strings.HasPrefix(s[i:], n) {
				start, network = i, strings.TrimSuffix(n, ":")
				break
			}
		}
	}
	if start < 0 {
		return Address{}, fmt.Errorf("invalid forwarding endpoint %q: write tcp:HOST:PORT, tcp4:..., tcp6:[ADDR]:PORT or unix:PATH, optionally after [user@]host:", s)
	}
	a := Address{Network: network, Addr: s[start+len(network)+1:]}
	if start > 0 {
		prefix := s[:start-1]
		if u, err := url.Parse(prefix + "/"); err == nil && u.IsContainer() {
			u.Path = ""
			a.Host = u
			return a.check(s, cwd)
		} else if strings.Contains(prefix, "://") {
			return Address{}, fmt.Errorf("invalid forwarding endpoint %q: %q is not a container (docker://[user@]container or podman://[user@]container)", s, prefix)
		}
		u, err := url.Parse(prefix + ":/")
		if err != nil || u.IsLocal() {
			return Address{}, fmt.Errorf("invalid forwarding endpoint %q: %q is not an SSH host ([user@]host[:port])", s, prefix)
		}
		u.Path = ""
		a.Host = u
	}
	return a.check(s, cwd)
}

// check checks the address part of a parsed endpoint s.
func (a Address) check(s, cwd string) (Address, error) {
	network := a.Network
	if network == "unix" {
		if a.Addr == "" {
			return Address{}, fmt.Errorf("invalid forwarding endpoint %q: give the socket's path after unix:", s)
		}
		if a.IsLocal() && !strings.HasPrefix(a.Addr, "/") {
			if cwd == "" {
				return Address{}, fmt.Errorf("invalid forwarding endpoint %q: the socket path is relative, which the daemon cannot resolve (its working directory is not yours); pass an absolute path", s)
			}
			a.Addr = strings.TrimSuffix(cwd, "/") + "/" + a.Addr
		}
		if !a.IsLocal() && !strings.HasPrefix(a.Addr, "/") && !strings.HasPrefix(a.Addr, "~/") {
			return Address{}, fmt.Errorf("invalid forwarding endpoint %q: a remote socket path is absolute or starts with ~/", s)
		}
		return a, nil
	}
	host, port, err := net.SplitHostPort(a.Addr)
	if err != nil {
		return Address{}, fmt.Errorf("invalid forwarding endpoint %q: %s needs HOST:PORT (IPv6 in brackets: [::1]:8080)", s, network)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return Address{}, fmt.Errorf("invalid forwarding endpoint %q: port %q is not between 1 and 65535", s, port)
	}
	if host == "" {
		return Address{}, fmt.Errorf("invalid forwarding endpoint %q: give a host before the port (localhost, 127.0.0.1, ...)", s)
	}
	if network == "tcp6" && !strings.Contains(host, ":") && host != "localhost" {
		if ip := net.ParseIP(host); ip != nil && ip.To4() != nil {
			return Address{}, fmt.Errorf("invalid forwarding endpoint %q: %s is an IPv4 address; use tcp4: or tcp:", s, host)
		}
	}
	return a, nil
}
