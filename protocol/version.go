// Package protocol holds everything that crosses a process boundary: the JSON-RPC API's
// method names, parameter and result types and error codes, and the wire messages spoken
// between the daemon and the remote agent. It is the single definition of the API; the
// TypeScript types and docs/api.md are generated from it.
//
// Invariants: types here are plain data (no behaviour beyond validation and conversion
// helpers), and a change to a wire message bumps AgentProtocolVersion.
package protocol

// Version is the ferry release, stamped at build time with -ldflags -X.
var Version = "dev"
