// Package agentwire is the protocol between the daemon and a remote ferry-agent.
//
// The agent is started over SSH and speaks on its stdin/stdout. It first writes a hello
// (Magic, the protocol version, its build version); the daemon checks it and, on any
// mismatch, reinstalls the agent. Then both sides run a yamux session over the same
// pipes. The daemon opens one stream per operation; the first message on a stream says
// what the stream is for (a Kind). Messages are framed as a length, a type byte and a
// payload.
//
// Invariants:
//   - Every decoder bounds what it allocates by what it has read, and validates paths
//     and trees (tree.Decode, tree.ValidPath), so a hostile or broken peer yields an
//     error, never a panic or a write outside a root.
//   - A change to any message bumps Version.
package agentwire
