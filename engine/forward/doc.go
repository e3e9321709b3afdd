// Package forward runs forward sessions: a listener on one side (this machine or an
// SSH host) whose every accepted connection is relayed to a destination dialed on the
// other side, over the host's shared connection (one yamux stream per connection).
//
// Invariants:
//   - Half-closes pass through: when one end stops sending, the other end's write side
//     is closed, and the reply still flows back.
//   - A connection the destination refuses is closed promptly and counted; the
//     forward keeps serving others.
//   - While a remote side is unreachable, a local listener stays up: connections
//     accepted then wait up to waitForHost for the host to come back, then are closed;
//     none hangs forever.
//   - A unix listener socket is created with mode 0600 unless told otherwise, replaces
//     an existing file only when asked, and is removed when the forward stops.
package forward
