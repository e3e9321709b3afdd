package protocol

// Forward session methods and notifications.
const (
	// MethodForwardCreate creates a forward session and connects both sides.
	MethodForwardCreate = "forward/create"
	// MethodForwardList lists forward sessions (all for an empty selection).
	MethodForwardList = "forward/list"
	// MethodForwardPause closes a forward's listener and connections until resumed.
	MethodForwardPause = "forward/pause"
	// MethodForwardResume resumes paused forwards.
	MethodForwardResume = "forward/resume"
	// MethodForwardTerminate stops forwards and deletes them.
	MethodForwardTerminate = "forward/terminate"
	// MethodRemotePorts lists the TCP ports listening on a remote host.
	MethodRemotePorts = "remote/ports"

	// NotifyForwardState carries the full state of a forward session whenever it
	// changes; a terminated one is sent once more with terminated set.
	NotifyForwardState = "forward/state"
)

// Status values of a forward session.
const (
	ForwardDisconnected          = "disconnected"
	ForwardConnectingSource      = "connecting-source"
	ForwardConnectingDestination = "connecting-destination"
	ForwardForwarding            = "forwarding"
	ForwardPaused                = "paused"
)

// ForwardCreateParams describes a new forward session.
type ForwardCreateParams struct {
	// Name is optional; it starts with a letter and holds letters, digits and '-'.
	Name string `json:"name,omitempty"`
	// Labels are key=value pairs for selection.
	Labels map[string]string `json:"labels,omitempty"`
	// Source is where connections are accepted and Destination where they go:
	// tcp:HOST:PORT, tcp4:..., tcp6:[ADDR]:PORT or unix:PATH, each optionally prefixed
	// by an SSH host ([user@]host[:port]:) or a container (docker://[user@]container:,
	// podman:// too).
	Source      string `json:"source"`
	Destination string `json:"destination"`
	// SocketMode is the permission of a unix listener socket, in octal ("0600" by
	// default).
	SocketMode string `json:"socketMode,omitempty"`
	// SocketOverwrite replaces a stale socket file at a unix listener's path.
	SocketOverwrite bool `json:"socketOverwrite,omitempty"`
	// Paused creates the forward without starting it.
	Paused bool `json:"paused,omitempty"`
}

// ForwardCreateResult is the created forward.
type ForwardCreateResult struct {
	Session ForwardSession `json:"session"`
}

// ForwardListParams selects the forwards to list.
type ForwardListParams struct {
	Selection
}

// ForwardListResult lists forwards in creation order.
type ForwardListResult struct {
	Sessions []ForwardSession `json:"sessions"`
}

// ForwardSession is the full state of a forward session.
type ForwardSession struct {
	// Seq orders the states of one forward as SyncSession.Seq does: keep the highest.
	Seq uint64 `json:"seq"`
	// ID is the forward's identifier ("fwrd_" and 22 base62 characters).
	ID     string            `json:"id"`
	Name   string            `json:"name,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
	// Source and Destination are the endpoints as given.
	Source      string `json:"source"`
	Destination string `json:"destination"`
	// SourceConnected and DestinationConnected say whether each side's host is reachable
	// (always true for a local side).
	SourceConnected      bool `json:"sourceConnected"`
	DestinationConnected bool `json:"destinationConnected"`
	Paused               bool `json:"paused"`
	// CreatedAt is when the forward was created (RFC 3339).
	CreatedAt string `json:"createdAt"`
	// Status is disconnected, connecting-source, connecting-destination, forwarding or
	// paused.
	Status string `json:"status"`
	// OpenConnections are being forwarded now; TotalConnections were accepted in all.
	OpenConnections  uint64 `json:"openConnections"`
	TotalConnections uint64 `json:"totalConnections"`
	// FailedConnections could not reach the destination.
	FailedConnections uint64 `json:"failedConnections"`
	// BytesOut went from source to destination, BytesIn back.
	BytesOut uint64 `json:"bytesOut"`
	BytesIn  uint64 `json:"bytesIn"`
	// LastError is the latest error (a listener that cannot bind, a refused dial).
	LastError  string `json:"lastError,omitempty"`
	Terminated bool   `json:"terminated,omitempty"`
}

// RemotePortsParams names a host.
type RemotePortsParams struct {
	// Host is an SSH host, [user@]host[:port], or a container,
	// docker://[user@]container (podman:// too).
	Host string `json:"host"`
}

// RemotePortsResult lists listening ports.
type RemotePortsResult struct {
	Ports []ListeningPort `json:"ports"`
}

// ListeningPort is a TCP port in LISTEN state.
type ListeningPort struct {
	// Network is tcp4 or tcp6.
	Network string `json:"network"`
	// Address is the bound address (0.0.0.0, 127.0.0.1, ::, ...).
	Address string `json:"address"`
	Port    int    `json:"port"`
	// Process is the owning process's name and PID where the OS tells (0 otherwise).
	Process string `json:"process,omitempty"`
	PID     int    `json:"pid,omitempty"`
}
