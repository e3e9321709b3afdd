// Package sshdtest starts a real OpenSSH sshd for tests and benchmarks, with
// throwaway keys and a throwaway client home that names it in .ssh/config.
// Start takes a TB: a *testing.T or *testing.B, or a benchmark program's own
// implementation (bench/cmd/ferrybench).
//
// Invariants:
//
//   - Loopback only: sshd listens on 127.0.0.1 and nothing else; the client
//     config points at 127.0.0.1.
//   - Nothing outside the test's temp dirs is written: host keys, the user
//     key, authorized_keys, sshd_config, the pid file, the client home and
//     its known_hosts all live in t.TempDir() directories. The real ~/.ssh
//     is never read or written. Sessions sshd runs get a temp HOME (SetEnv)
//     and SFTP starts there (RemoteHome), so what runs over SSH does not
//     write to the real home either. The one exception is /run/sshd, which sshd
//     requires and which Start creates if it is missing.
//   - Every process Start launches (sshd and the processes serving its
//     connections) is killed by t.Cleanup, before the temp dirs are removed.
//   - A missing /usr/sbin/sshd fails the test, it never skips it: CI
//     installs openssh-server, so a skip would hide a broken setup.
//   - Password mode never changes the machine's password database: sshd
//     runs in a private mount namespace (unshare --mount) in which a
//     throwaway shadow file is bind-mounted over /etc/shadow. Where that is
//     impossible (not root, no unshare), a test that asks for a password is
//     skipped with the reason; it is the only skip.
//
// sshd runs as the current user (root on CI machines, hence PermitRootLogin
// yes), with UsePAM no and StrictModes no, LogLevel VERBOSE and -e, so its
// log is captured: Logs returns it, Connections counts "Connection from"
// lines (TCP connections accepted) and Authentications counts "Accepted
// <method> for" lines.
//
// A Server is used from the test goroutine; its methods are safe for
// concurrent use, but Stop, Restart and Kill fail the test through t and so
// belong on the test goroutine.
package sshdtest
