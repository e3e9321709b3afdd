// Package server is ferry's JSON-RPC server and the daemon around it: method dispatch
// onto the session manager, state notifications to every client, the unix socket with
// its lock and peer checks, autostart, and the stdio relay that editors talk to.
//
// Invariants:
//   - One daemon per data directory: the lock file is held (flock) for the daemon's
//     life, and the socket is only replaced by the lock holder.
//   - The socket is mode 0600 inside a 0700 data directory, and connections from
//     another user are refused.
//   - A malformed message gets a JSON-RPC error response; it never takes down the
//     daemon or another client's connection.
//   - Notifications never block the engine: each client has its own queue that keeps
//     only the latest state of each session.
//   - The stdio relay writes nothing but protocol frames to its stdout.
package server
