package protocol

// DaemonShutdownParams are the optional parameters of daemon/shutdown (a request
// without them stops the daemon at once, for reason requested).
type DaemonShutdownParams struct {
	// Reason is reported to every client in daemon/stopping: requested (the default)
	// or upgrade (a client of another version restarts the daemon).
	Reason string `json:"reason,omitempty"`
	// IfIdle stops the daemon only if it is idle: no other client is connected, no
	// sync session is staging, transitioning or saving, and no forward has an open
	// connection. Otherwise the request fails with CodeBusy and a message that says
	// what keeps the daemon busy.
	//
	// daemon/shutdown is the one request served before initialize, so that a client of
	// another protocol version (initialize failed with CodeVersionMismatch) can still
	// stop or restart the daemon.
	IfIdle bool `json:"ifIdle,omitempty"`
}
