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
//   - Requests on one connection start in arrival order, one at a time; initialize
//     completes before anything after it starts. Requests that can take long (they
//     wait for a cycle, reach an SSH host or prompt) then run on their own, so they
//     never hold up later requests (conn.go lists them).
//   - A deliberate stop (daemon/shutdown, SIGINT/SIGTERM, an upgrade restart) sends
//     daemon/stopping to every initialized client first; from then on requests get
//     CodeShuttingDown, and running requests reply before connections close.
//   - A refused peer (another uid) gets a JSON-RPC error saying why before the
//     connection closes; a client that cannot reach the socket is told which path
//     denies it, whose it is and what to do.
//   - The stdio relay writes nothing but protocol frames to its stdout; it relays
//     daemon/stopping before it exits.
package server
