package url

import (
	"fmt"
	"strconv"
	"strings"
)

// URL is a parsed sync endpoint. The zero value is not a valid endpoint.
type URL struct {
	// Engine is the container engine ("docker" or "podman") of a container
	// endpoint; "" for a local path or an SSH host.
	Engine string
	// Host is the ssh-config alias, host name or IP address of the remote
	// machine, without brackets, or the container's name or id when Engine is
	// set; "" for a local path.
	Host string
	// User is the remote login name; "" means the one from the ssh config (for
	// a container, the one the engine runs commands as).
	User string
	// Port is the remote SSH port; 0 means the one from the ssh config. It is
	// always 0 for a container.
	Port int
	// Path is the directory: absolute and clean for a local URL; for a
	// remote URL either absolute or "~" / "~/rest" (relative to the remote
	// user's home, resolved by the remote side).
	Path string
}

// IsLocal reports whether u names a path on this machine.
func (u URL) IsLocal() bool { return u.Host == "" }

// IsContainer reports whether u names a path in a container, reached through the
// container engine's CLI.
func (u URL) IsContainer() bool { return u.Engine != "" }

// String formats u so that Parse reads it back as u: the path alone for a
// local URL, [user@]host[:port]:path for a remote one, with IPv6 hosts in
// brackets, ENGINE://[user@]container/path for a container.
func (u URL) String() string {
	if u.IsLocal() {
		return u.Path
	}
	if u.IsContainer() {
		return u.containerString()
	}
	var b strings.Builder
	if u.User != "" {
		b.WriteString(u.User)
		b.WriteByte('@')
	}
	if strings.Contains(u.Host, ":") {
		b.WriteByte('[')
		b.WriteString(u.Host)
		b.WriteByte(']')
	} else {
		b.WriteString(u.Host)
	}
	if u.Port != 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(u.Port))
	}
	b.WriteByte(':')
	b.WriteString(u.Path)
	return b.String()
}

// Error reports an endpoint that Parse cannot use.
type Error struct {
	Input  string // the endpoint as given
	Reason string // what is wrong and how to write it instead
}

func (e *Error) Error() string {
	return fmt.Sprintf("endpoint %q: %s", e.Input, e.Reason)
}

func errorf(input, format string, args ...any) error {
	return &Error{Input: input, Reason: fmt.Sprintf(format, args...)}
}
