// Package session hosts sync sessions: their configuration and identity, persistence in
// the data directory, selection by name, identifier or labels, and the controller that
// runs each session's synchronization cycles.
//
// Invariants:
//   - A session's specification and ancestor are written atomically (temporary file,
//     fsync, rename), so a crash at any point leaves the previous or the next version.
//   - The ancestor only records what both sides are known to hold: paths where a change
//     was skipped keep what the transition reports is still there.
//   - A session halts, and says why, instead of propagating the loss of a whole root:
//     a root that vanished, was emptied, or is no longer a directory.
//   - Every state change is published to subscribers; nothing needs to poll.
//   - The Manager is safe for concurrent use; each session's cycles run on one
//     goroutine, commands reach it through channels.
package session
