package ssh

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Hop is one jump host of a ProxyJump list. Host may be an ssh-config
// alias; its own settings are resolved when it is dialed.
type Hop struct {
	User string // "" for the hop's configured user
	Host string // alias, host name or address (IPv6 without brackets)
	Port int    // 0 for the hop's configured port
}

// String formats h as ProxyJump writes it.
func (h Hop) String() string {
	s := h.Host
	if strings.Contains(s, ":") {
		s = "[" + s + "]"
	}
	if h.User != "" {
		s = h.User + "@" + s
	}
	if h.Port != 0 {
		s += ":" + strconv.Itoa(h.Port)
	}
	return s
}

// ParseProxyJump parses a ProxyJump value: comma-separated hops, each
// [user@]host[:port] or ssh://[user@]host[:port], IPv6 hosts in brackets.
// "" and "none" mean no jump host.
func ParseProxyJump(v string) ([]Hop, error) {
	v = strings.TrimSpace(v)
	if v == "" || strings.EqualFold(v, "none") {
		return nil, nil
	}
	var hops []Hop
	for _, part := range strings.Split(v, ",") {
		h, err := parseHop(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("ProxyJump %q: %w", v, err)
		}
		hops = append(hops, h)
	}
	return hops, nil
}

func parseHop(s string) (Hop, error) {
	s = strings.TrimPrefix(s, "ssh://")
	s = strings.TrimSuffix(s, "/")
	var h Hop
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		h.User, s = s[:at], s[at+1:]
		if h.User == "" {
			return Hop{}, fmt.Errorf("hop %q has an empty user name", s)
		}
	}
	hostPort := s
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return Hop{}, fmt.Errorf("hop %q has an unbalanced \"[\"", s)
		}
		h.Host, s = s[1:end], s[end+1:]
		if s != "" && !strings.HasPrefix(s, ":") {
			return Hop{}, fmt.Errorf("hop %q: expected \":port\" after \"]\"", hostPort)
		}
		s = strings.TrimPrefix(s, ":")
	case strings.Count(s, ":") == 1:
		h.Host, s, _ = strings.Cut(s, ":")
	default: // no port, or a bare IPv6 address
		h.Host, s = s, ""
		if _, err := netip.ParseAddr(h.Host); strings.Contains(h.Host, ":") && err != nil {
			return Hop{}, fmt.Errorf("hop %q is neither host:port nor an IPv6 address", hostPort)
		}
	}
	if h.Host == "" {
		return Hop{}, fmt.Errorf("hop %q has an empty host name", hostPort)
	}
	if strings.HasPrefix(h.Host, "-") || strings.ContainsAny(h.Host, "[]/@") ||
		strings.ContainsFunc(h.Host, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return Hop{}, fmt.Errorf("hop %q has an invalid host name", hostPort)
	}
	if s != "" {
		port, err := strconv.Atoi(s)
		if err != nil || port < 1 || port > 65535 {
			return Hop{}, fmt.Errorf("hop %q: port %q is not 1 to 65535", hostPort, s)
		}
		h.Port = port
	}
	return h, nil
}
