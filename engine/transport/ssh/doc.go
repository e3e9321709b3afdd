// Package ssh opens ferry's SSH connections: it resolves a host's settings
// from the user's ssh config as OpenSSH would, verifies the host key
// against known_hosts, authenticates as OpenSSH does, and returns an
// x/crypto/ssh client.
//
// Invariants:
//
//   - A host key is trusted only if a known_hosts file lists it for the
//     host, or the user accepted it through the Prompter (or the ssh
//     config says StrictHostKeyChecking no / accept-new, as in OpenSSH).
//     A key that differs from the known ones, or is revoked, is always
//     refused (even with StrictHostKeyChecking no, unlike OpenSSH), with
//     an error that names the known_hosts file and line.
//   - Accepting a key appends exactly one line to the first user
//     known_hosts file (creating it 0600 and its directory 0700); nothing
//     else is ever written, and nothing at all is written for a refused
//     or changed key.
//   - "~" in paths means $HOME, never the password database's home; the
//     ssh config is FERRY_SSH_CONFIG, else $HOME/.ssh/config, and is
//     always passed to ssh explicitly (ssh -F), because ssh itself reads
//     the password database's home. /etc/ssh/ssh_config is not read.
//   - With a nil Prompter nothing blocks on a user: unknown hosts are
//     refused, encrypted keys are skipped, passwords are not asked for.
//   - Every failure that is the user's to fix matches one of ErrHostKeyUnknown,
//     ErrHostKeyChanged, ErrAuth, ErrUnreachable or ErrConfig and says
//     what happened and what to do.
//   - Dial leaks nothing on failure: every connection it opened (jump
//     hosts included) is closed; a returned client owns its jump hosts.
//   - A returned client never outlives its host silently: it sends
//     keepalive@openssh.com after every silent ServerAliveInterval (2 s when
//     unset) and closes itself once ServerAliveCountMax (3) probes in a row
//     went unanswered, so a dead host or path is noticed within about 8 s
//     even though its TCP connection stays up; any traffic from the server
//     counts as an answer; Wait then says why.
//
// Resolution asks the installed OpenSSH client ("ssh -G"), so Match,
// Include, CanonicalizeHostname and the rest behave exactly as for ssh;
// without an ssh binary, github.com/kevinburke/ssh_config parses the file
// (Host blocks and Include; no Match). Authentication order: ssh-agent keys
// (only the identity files' keys with IdentitiesOnly), identity files (the
// configured ones, or ~/.ssh/id_ed25519, id_ecdsa, id_rsa; encrypted ones
// ask the Prompter for the passphrase only once the server would accept
// the key), keyboard-interactive, password. ProxyJump hops are dialed in
// turn, each through the one before; ProxyCommand is refused with
// ErrConfig. Host certificates are not used: only plain host keys are
// negotiated and checked.
package ssh
