// Package remote reaches endpoints on SSH hosts and in containers: it keeps one SSH
// connection, one ferry-agent process and one yamux session per user@host:port (the
// Pool), and one agent and yamux session per container engine, user and container,
// installs or upgrades the agent when needed, and implements endpoint.Endpoint by
// proxying each call to the agent over a stream of its own. What the Pool needs from
// SSH or a container engine's CLI is a link (link.go): short commands, installing
// the agent, and starting it with its stdio as the stream.
//
// Invariants:
//   - Every session and forward to the same user@host:port shares one SSH connection
//     and one agent; a host is dialed once even when many ask for it at the same time.
//   - The agent is installed (by SFTP, or the engine's "cp") to a temporary name and
//     renamed into place, so a failed upload leaves no partial agent; a partial
//     temporary file is removed.
//   - A container endpoint's replica identifier includes the container's id, so a
//     container recreated under the same name is another replica.
//   - The agent is started with a single-quoted absolute path and one argument, so no
//     login shell's syntax matters (sh, bash, zsh, fish, tcsh).
//   - A connection that fails (a host that stops answering keepalives included) fails
//     every endpoint and forward side on it (their Changes channels close, Dead closes,
//     Err says why), and the next Acquire dials anew.
package remote
