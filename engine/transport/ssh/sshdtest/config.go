package sshdtest

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// writeSSHDConfig writes sshd_config for s.port.
func writeSSHDConfig(s *Server) error {
	head, matches := splitAtMatch(s.opts.ExtraConfig)
	var b strings.Builder
	b.WriteString("# written by sshdtest\n")
	if head != "" {
		b.WriteString(head + "\n")
	}
	fmt.Fprintf(&b, "ListenAddress 127.0.0.1:%d\n", s.port)
	for _, k := range s.hostKeys {
		fmt.Fprintf(&b, "HostKey %s/ssh_host_%s_key\n", s.dir, keyTypeName(k))
	}
	password, kbd, pam := "no", "no", "no"
	switch {
	case s.opts.Password != "" && s.opts.KeyboardInteractive:
		kbd, pam = "yes", "yes"
	case s.opts.Password != "":
		password = "yes"
	}
	fmt.Fprintf(&b, `PidFile %s/sshd.pid
AuthorizedKeysFile %s
UsePAM %s
StrictModes no
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication %s
KbdInteractiveAuthentication %s
PermitEmptyPasswords no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
MaxStartups 100:30:200
MaxSessions 100
LogLevel VERBOSE
SetEnv HOME=%s%s
Subsystem sftp internal-sftp -d %s
`, s.dir, s.authorized, pam, password, kbd, s.remoteHome, remoteEnv(s.opts.RemoteEnv), s.remoteHome)
	if hasPerSourcePenalties() {
		// sshd 9.8 and later refuse clients that fail often; tests fail on
		// purpose.
		b.WriteString("PerSourcePenalties no\n")
	}
	if matches != "" {
		b.WriteString(matches + "\n")
	}
	return os.WriteFile(s.sshdConfig, []byte(b.String()), 0o600)
}

// remoteEnv formats more KEY=VALUE pairs for the SetEnv line.
func remoteEnv(kvs []string) string {
	var b strings.Builder
	for _, kv := range kvs {
		b.WriteString(" " + kv)
	}
	return b.String()
}

// splitAtMatch splits sshd_config text before its first Match line.
func splitAtMatch(cfg string) (head, matches string) {
	lines := strings.Split(cfg, "\n")
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && strings.EqualFold(f[0], "match") {
			return strings.TrimSpace(strings.Join(lines[:i], "\n")), strings.Join(lines[i:], "\n")
		}
	}
	return strings.TrimSpace(cfg), ""
}

// writeClientFiles appends this server's Host block to the client config
// and its host keys to known_hosts.
func (s *Server) writeClientFiles() error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nHost %s\n  HostName 127.0.0.1\n  Port %d\n  User %s\n  IdentityFile %s\n  UserKnownHostsFile %s\n  GlobalKnownHostsFile /dev/null\n",
		s.alias, s.port, s.user, s.identity, s.knownHosts)
	for _, l := range strings.Split(strings.TrimSpace(s.opts.ExtraClientConfig), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			b.WriteString("  " + l + "\n")
		}
	}
	if err := appendFile(s.clientConfig, b.String()); err != nil {
		return err
	}
	var kh strings.Builder
	if !s.opts.EmptyKnownHosts {
		for _, k := range s.hostKeys {
			kh.WriteString(knownhosts.Line([]string{s.Addr()}, k) + "\n")
		}
	}
	return appendFile(s.knownHosts, kh.String())
}

func appendFile(name, text string) error {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// keyTypeName maps a public key to the type name used in Options.
func keyTypeName(k gossh.PublicKey) string {
	switch k.Type() {
	case gossh.KeyAlgoED25519:
		return "ed25519"
	case gossh.KeyAlgoRSA:
		return "rsa"
	default:
		return "ecdsa"
	}
}

var (
	penaltiesOnce sync.Once
	penalties     bool
)

// hasPerSourcePenalties reports whether the installed sshd (9.8 or later)
// knows PerSourcePenalties.
func hasPerSourcePenalties() bool {
	penaltiesOnce.Do(func() {
		out, _ := exec.Command(SSHDPath, "-V").CombinedOutput()
		m := regexp.MustCompile(`OpenSSH_(\d+)\.(\d+)`).FindSubmatch(out)
		if m == nil {
			return
		}
		major, _ := strconv.Atoi(string(m[1]))
		minor, _ := strconv.Atoi(string(m[2]))
		penalties = major > 9 || major == 9 && minor >= 8
	})
	return penalties
}
