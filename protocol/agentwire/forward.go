package agentwire

// ForwardDial asks the agent to dial (the payload of a KindDial stream, as JSON). The
// agent replies TypeOK and then relays raw bytes on the stream, or replies TypeError.
type ForwardDial struct {
	// Network is tcp, tcp4, tcp6 or unix.
	Network string `json:"network"`
	// Address is host:port, or a socket path (absolute, or "~/..." under the home).
	Address string `json:"address"`
}

// ForwardListen asks the agent to listen (the payload of a KindListen stream, as
// JSON). The agent replies TypeOK with the listener's number (uvarint), then opens a
// stream to the daemon for every connection it accepts; that stream starts with a
// TypeOpen message holding the listener's number, then relays raw bytes. Closing the
// KindListen stream closes the listener (and removes its socket file).
type ForwardListen struct {
	Network string `json:"network"`
	Address string `json:"address"`
	// SocketMode is a unix socket's permission bits (0 means 0600).
	SocketMode uint32 `json:"socketMode,omitempty"`
	// SocketOverwrite replaces an existing file at a unix socket's path.
	SocketOverwrite bool `json:"socketOverwrite,omitempty"`
}

// Port is a listening TCP port, in the reply to a KindPorts stream (a JSON array).
type Port struct {
	Network string `json:"network"`
	Address string `json:"address"`
	Port    int    `json:"port"`
	Process string `json:"process,omitempty"`
	PID     int    `json:"pid,omitempty"`
}
