package sshdtest

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// SSHDPath is where the harness expects the OpenSSH server.
const SSHDPath = "/usr/sbin/sshd"

// Options configures Start. The zero value is a server with one ed25519
// host key, public-key authentication only, the alias "testhost" and a
// pre-populated known_hosts file.
type Options struct {
	// Alias is the Host alias written to the client's .ssh/config; "" means
	// "testhost".
	Alias string
	// HostKeyTypes lists the host key types sshd serves, each "ed25519",
	// "ecdsa" or "rsa", in the order sshd is given them; empty means
	// ed25519 only.
	HostKeyTypes []string
	// EmptyKnownHosts leaves this server's keys out of the client's
	// known_hosts (the file is still created), for unknown-host tests.
	EmptyKnownHosts bool
	// SetEnv sets HOME and FERRY_SSH_CONFIG to the client home and config,
	// and clears SSH_AUTH_SOCK, for the rest of the test (t.Setenv, so the
	// test must not be parallel).
	SetEnv bool
	// Home is an existing client home (another Server's HomeDir) to add
	// this server to, instead of a new one; its user key is reused and
	// authorized here. ProxyJump tests use it so one config names both.
	Home string
	// Password, if not empty, lets the current user also log in with this
	// password (PasswordAuthentication yes), through a throwaway shadow
	// file; see the package documentation. The test is skipped where that
	// cannot be arranged.
	Password string
	// KeyboardInteractive, with Password, offers the password through PAM
	// keyboard-interactive authentication (UsePAM yes) instead of the
	// password method.
	KeyboardInteractive bool
	// LoginShell, if set, is the login shell of the user in sshd's sessions (a copy of
	// /etc/passwd with that shell is mounted over the real one in sshd's private mount
	// namespace), for tests that a shell's syntax does not matter.
	LoginShell string
	// RemoteHomeSize, if set (e.g. "2m"), mounts a tmpfs of that size at RemoteHome in
	// sshd's private mount namespace, for tests of a full remote disk. Files written
	// there are visible only to what runs over SSH.
	RemoteHomeSize string
	// RemoteEnv holds more KEY=VALUE pairs (no spaces) for the environment of the
	// sessions sshd runs, beside HOME: test seams for the agent.
	RemoteEnv []string
	// ExtraConfig is added to sshd_config. Lines before its first "Match"
	// go first, so they override the harness's settings (sshd keeps the
	// first value of a keyword); Match blocks go last.
	ExtraConfig string
	// ExtraClientConfig is added to this server's Host block in the client
	// config, one directive per line.
	ExtraClientConfig string
}

// RemoteHome is the home directory of the sessions sshd runs: HOME in their
// environment (sshd SetEnv) and the SFTP start directory, a temp dir, so nothing a
// test runs over SSH writes to the real home of the user sshd logs in.
func (s *Server) RemoteHome() string { return s.remoteHome }

// TB is the part of testing.TB that Start and a Server use, so that a program
// other than a test (the benchmark harness) can run a server too. *testing.T and
// *testing.B satisfy it. Fatalf and Skipf must not return: testing's end the
// goroutine; a program's may panic. Cleanup functions must run, last added first,
// when the caller is done with the server: they stop sshd and its connections.
type TB interface {
	Helper()
	Cleanup(f func())
	TempDir() string
	Setenv(key, value string)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// Server is a running sshd and the client home that reaches it.
type Server struct {
	t    TB
	opts Options

	dir          string // sshd's files
	home         string // the client HOME
	remoteHome   string // HOME of sessions sshd runs (and the SFTP start directory)
	alias        string
	user         string
	port         int
	sshdConfig   string
	clientConfig string
	knownHosts   string
	identity     string
	authorized   string
	shadow       string // "" unless Options.Password
	passwd       string // "" unless Options.LoginShell
	hostKeys     []gossh.PublicKey
	logs         *logBuffer

	mu   sync.Mutex
	proc *process // nil when stopped
}

// Start starts sshd on a free 127.0.0.1 port and prepares the client home.
// It fails the test if sshd is missing or does not come up.
func Start(t TB, opts Options) *Server {
	t.Helper()
	if _, err := os.Stat(SSHDPath); err != nil {
		t.Fatalf("sshdtest: %s not found: install openssh-server (apt-get install openssh-server)", SSHDPath)
	}
	if opts.Password != "" || opts.LoginShell != "" || opts.RemoteHomeSize != "" {
		if reason := passwordUnsupported(); reason != "" {
			t.Skipf("sshdtest: cannot give sshd a private mount namespace here: %s", reason)
		}
	}
	if opts.LoginShell != "" {
		if _, err := os.Stat(opts.LoginShell); err != nil {
			t.Fatalf("sshdtest: login shell %s: %v (install it: apt-get install %s)", opts.LoginShell, err, filepath.Base(opts.LoginShell))
		}
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("sshdtest: current user: %v", err)
	}
	s := &Server{t: t, opts: opts, dir: t.TempDir(), remoteHome: t.TempDir(), alias: opts.Alias, user: u.Username, logs: newLogBuffer()}
	if s.alias == "" {
		s.alias = "testhost"
	}
	s.home = opts.Home
	if s.home == "" {
		s.home = t.TempDir()
	}
	if err := s.prepare(); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	t.Cleanup(s.cleanup)
	if err := s.startOnFreePort(); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	if err := s.writeClientFiles(); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	if opts.SetEnv {
		for _, kv := range s.Env() {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
		t.Setenv("SSH_AUTH_SOCK", "")
	}
	return s
}

// prepare writes the keys and authorized_keys, the parts that do not
// depend on the port.
func (s *Server) prepare() error {
	sshDir := filepath.Join(s.home, ".ssh")
	if err := os.MkdirAll(sshDir, 0o700); err != nil {
		return err
	}
	s.clientConfig = filepath.Join(sshDir, "config")
	s.knownHosts = filepath.Join(sshDir, "known_hosts")
	s.identity = filepath.Join(sshDir, "id_ed25519")
	s.sshdConfig = filepath.Join(s.dir, "sshd_config")
	s.authorized = filepath.Join(s.dir, "authorized_keys")

	types := s.opts.HostKeyTypes
	if len(types) == 0 {
		types = []string{"ed25519"}
	}
	for _, typ := range types {
		pub, err := writeKey(filepath.Join(s.dir, "ssh_host_"+typ+"_key"), typ)
		if err != nil {
			return fmt.Errorf("host key: %w", err)
		}
		s.hostKeys = append(s.hostKeys, pub)
	}
	userKey, err := loadOrWriteUserKey(s.identity)
	if err != nil {
		return fmt.Errorf("user key: %w", err)
	}
	if err := os.WriteFile(s.authorized, gossh.MarshalAuthorizedKey(userKey), 0o600); err != nil {
		return err
	}
	if s.opts.Password != "" {
		if s.shadow, err = writeShadow(s.dir, s.user, s.opts.Password); err != nil {
			return fmt.Errorf("shadow file: %w", err)
		}
	}
	if s.opts.LoginShell != "" {
		if s.passwd, err = writePasswd(s.dir, s.user, s.opts.LoginShell); err != nil {
			return fmt.Errorf("passwd file: %w", err)
		}
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil && os.Geteuid() == 0 {
		return fmt.Errorf("creating /run/sshd, which sshd needs: %w", err)
	}
	return nil
}

// startOnFreePort picks a free port and starts sshd on it, picking again if
// another process took the port in between.
func (s *Server) startOnFreePort() error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if s.port, err = freePort(); err != nil {
			return err
		}
		if err = writeSSHDConfig(s); err != nil {
			return err
		}
		if err = s.start(); err == nil || !isBindError(err) {
			return err
		}
	}
	return err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Alias is the Host alias that reaches this server in ConfigPath.
func (s *Server) Alias() string { return s.alias }

// Port is the 127.0.0.1 port sshd listens on.
func (s *Server) Port() int { return s.port }

// Addr is "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// User is the login name the client config uses (the current user).
func (s *Server) User() string { return s.user }

// HomeDir is the client HOME: it holds .ssh/config, .ssh/known_hosts and
// .ssh/id_ed25519.
func (s *Server) HomeDir() string { return s.home }

// ConfigPath is the client's ssh config file, HomeDir()/.ssh/config.
func (s *Server) ConfigPath() string { return s.clientConfig }

// KnownHostsPath is the client's known_hosts file, named by
// UserKnownHostsFile in ConfigPath.
func (s *Server) KnownHostsPath() string { return s.knownHosts }

// IdentityFile is the client's private key (unencrypted ed25519), named by
// IdentityFile in ConfigPath and authorized on the server.
func (s *Server) IdentityFile() string { return s.identity }

// HostKeys are the server's public host keys, in Options.HostKeyTypes
// order.
func (s *Server) HostKeys() []gossh.PublicKey { return s.hostKeys }

// Env holds HOME and FERRY_SSH_CONFIG for a child process that should use
// the client home: append it to os.Environ().
func (s *Server) Env() []string {
	return []string{"HOME=" + s.home, "FERRY_SSH_CONFIG=" + s.clientConfig}
}

// Authorize lets a further public key log in.
func (s *Server) Authorize(key gossh.PublicKey) {
	s.t.Helper()
	f, err := os.OpenFile(s.authorized, os.O_APPEND|os.O_WRONLY, 0o600)
	if err == nil {
		_, err = f.Write(gossh.MarshalAuthorizedKey(key))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		s.t.Fatalf("sshdtest: authorizing a key: %v", err)
	}
}

// Logs returns everything sshd has logged so far, across restarts.
func (s *Server) Logs() string { return s.logs.String() }

// Connections counts the TCP connections sshd has accepted so far ("Connection
// from" log lines), across restarts.
func (s *Server) Connections() int { return s.logs.count(lineConnection) }

// Authentications counts successful logins so far ("Accepted <method> for"
// log lines), across restarts.
func (s *Server) Authentications() int { return s.logs.count(lineAccepted) }

// WaitConnections waits until Connections is at least n, for up to ten
// seconds (sshd logs asynchronously), and returns Connections.
func (s *Server) WaitConnections(n int) int {
	s.logs.waitCount(lineConnection, n, 10*time.Second)
	return s.Connections()
}

// WaitLog waits until sshd's log contains substr, for up to ten seconds,
// and reports whether it does.
func (s *Server) WaitLog(substr string) bool {
	return s.logs.waitText(substr, 10*time.Second)
}

// Stop terminates sshd and every connection it serves. It is a no-op when
// sshd is not running.
func (s *Server) Stop() {
	s.t.Helper()
	if err := s.stop(false); err != nil {
		s.t.Fatalf("sshdtest: stopping sshd: %v", err)
	}
}

// Kill kills sshd and every connection it serves with SIGKILL, as a crash
// would: clients see their connections drop without a goodbye.
func (s *Server) Kill() {
	s.t.Helper()
	if err := s.stop(true); err != nil {
		s.t.Fatalf("sshdtest: killing sshd: %v", err)
	}
}

// Restart stops sshd (if running) and starts it again on the same port
// with the same keys and configuration.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.stop(false); err != nil {
		s.t.Fatalf("sshdtest: stopping sshd: %v", err)
	}
	if err := s.start(); err != nil {
		s.t.Fatalf("sshdtest: restarting sshd on port %d: %v", s.port, err)
	}
}

func (s *Server) cleanup() {
	if err := s.stop(true); err != nil {
		s.t.Errorf("sshdtest: cleanup: %v", err)
	}
}
