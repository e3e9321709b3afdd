// Package remote reaches endpoints on SSH hosts: it keeps one SSH connection, one
// ferry-agent process and one yamux session per user@host:port (the Pool), installs
// or upgrades the agent when needed, and implements endpoint.Endpoint by proxying each
// call to the agent over a stream of its own.
//
// Invariants:
//   - Every session and forward to the same user@host:port shares one SSH connection
//     and one agent; a host is dialed once even when many ask for it at the same time.
//   - The agent is installed by SFTP to a temporary name and renamed into place, so a
//     failed upload leaves no partial agent; a partial temporary file is removed.
//   - The agent is started with a single-quoted absolute path and one argument, so no
//     login shell's syntax matters (sh, bash, zsh, fish, tcsh).
//   - A connection that fails (a host that stops answering keepalives included) fails
//     every endpoint and forward side on it (their Changes channels close, Dead closes,
//     Err says why), and the next Acquire dials anew.
package remote
