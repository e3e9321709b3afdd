// Package forward runs forward sessions: a listener on one side (this machine or an
// SSH host) whose every accepted connection is relayed to a destination dialed on the
// other side, over the host's shared connection (one yamux stream per connection).
//
// Invariants:
//   - Half-closes pass through: when one end stops sending, the other end's write side
//     is closed, and the reply still flows back.
//   - A connection the destination refuses is closed promptly and counted; the
//     forward keeps serving others.
//   - While the destination's host is unreachable (its connection was lost: the SSH
//     keepalives went unanswered, or it cannot be dialed again yet), the source's
//     listener is closed, so new connections are refused at once instead of hanging;
//     the state says disconnected with the reason, and the forward listens again by
//     itself once the host is back.
//   - States are published in order: every published state carries the next Seq of
//     its forward.
//   - A unix listener socket is created with mode 0600 unless told otherwise, replaces
//     an existing file only when asked, and is removed when the forward stops.
package forward
