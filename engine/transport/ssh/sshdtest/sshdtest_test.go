package sshdtest

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Tests and benchmarks pass themselves to Start.
var (
	_ TB = (*testing.T)(nil)
	_ TB = (*testing.B)(nil)
)

func TestSHA512Crypt(t *testing.T) {
	tests := []struct{ name, password, salt, want string }{
		{"spec vector", "Hello world!", "saltstring", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
		{"long salt truncated", "Hello world!", "toolongsaltstringtoolongsaltstring", "$6$toolongsaltstrin$"},
		{"long password", strings.Repeat("x", 100), "ab", "$6$ab$"},
		{"empty password", "", "ab", "$6$ab$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sha512Crypt(tt.password, tt.salt)
			require.True(t, strings.HasPrefix(got, tt.want), got)
			require.Len(t, got, len("$6$")+len(tt.salt[:min(16, len(tt.salt))])+1+86)
			if openssl, err := exec.LookPath("openssl"); err == nil && tt.password != "" {
				out, err := exec.Command(openssl, "passwd", "-6", "-salt", tt.salt, tt.password).Output()
				require.NoError(t, err)
				require.Equal(t, strings.TrimSpace(string(out)), got, "openssl passwd -6 disagrees")
			}
		})
	}
}

// dialDirect connects with x/crypto's client and the harness's files.
func dialDirect(t *testing.T, s *Server) *gossh.Client {
	t.Helper()
	key, err := os.ReadFile(s.IdentityFile())
	require.NoError(t, err)
	signer, err := gossh.ParsePrivateKey(key)
	require.NoError(t, err)
	hk, err := knownhosts.New(s.KnownHostsPath())
	require.NoError(t, err)
	c, err := gossh.Dial("tcp", s.Addr(), &gossh.ClientConfig{
		User:            s.User(),
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: hk,
	})
	require.NoError(t, err)
	return c
}

func run(t *testing.T, c *gossh.Client, cmd string) string {
	t.Helper()
	sess, err := c.NewSession()
	require.NoError(t, err)
	defer sess.Close()
	out, err := sess.CombinedOutput(cmd)
	require.NoError(t, err, "%s", out)
	return string(out)
}

func TestStartServesKeyAuthAndCounts(t *testing.T) {
	s := Start(t, Options{})
	c := dialDirect(t, s)
	require.Equal(t, "hi\n", run(t, c, "echo hi"))
	c.Close()
	require.GreaterOrEqual(t, s.WaitConnections(1), 1)
	require.Contains(t, s.Logs(), "Accepted publickey for "+s.User())
	require.Equal(t, 1, s.Authentications())
}

func TestOpenSSHClientUsesConfig(t *testing.T) {
	ssh, err := exec.LookPath("ssh")
	if err != nil {
		t.Fatalf("ssh client missing: install openssh-client (apt-get install openssh-client)")
	}
	s := Start(t, Options{Alias: "box"})
	cmd := exec.Command(ssh, "-F", s.ConfigPath(), "-o", "BatchMode=yes", s.Alias(), "echo", "hi")
	cmd.Env = append(os.Environ(), s.Env()...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\nsshd log:\n%s", out, s.Logs())
	require.Equal(t, "hi\n", string(out))
}

func TestRestartKeepsPortAndKeys(t *testing.T) {
	s := Start(t, Options{HostKeyTypes: []string{"ed25519", "rsa"}})
	port := s.Port()
	s.Restart()
	require.Equal(t, port, s.Port())
	c := dialDirect(t, s) // known_hosts from before the restart still matches
	require.Equal(t, "hi\n", run(t, c, "echo hi"))
	c.Close()
}

func TestStopAndKillDropConnections(t *testing.T) {
	for _, kill := range []bool{false, true} {
		name := map[bool]string{false: "stop", true: "kill"}[kill]
		t.Run(name, func(t *testing.T) {
			s := Start(t, Options{})
			c := dialDirect(t, s)
			if kill {
				s.Kill()
			} else {
				s.Stop()
			}
			require.Error(t, c.Wait(), "connection should drop")
			_, err := net.Dial("tcp", s.Addr())
			require.Error(t, err, "nothing should listen after %s", name)
			s.Stop() // idempotent
		})
	}
}

func TestSharedHomeNamesBothServers(t *testing.T) {
	a := Start(t, Options{Alias: "a1"})
	b := Start(t, Options{Alias: "b1", Home: a.HomeDir()})
	require.Equal(t, a.ConfigPath(), b.ConfigPath())
	cfg, err := os.ReadFile(a.ConfigPath())
	require.NoError(t, err)
	require.Contains(t, string(cfg), "Host a1")
	require.Contains(t, string(cfg), "Host b1")
	dialDirect(t, b).Close()
}

func TestEmptyKnownHosts(t *testing.T) {
	s := Start(t, Options{EmptyKnownHosts: true})
	data, err := os.ReadFile(s.KnownHostsPath())
	require.NoError(t, err)
	require.Empty(t, data)
}

func TestSetEnv(t *testing.T) {
	s := Start(t, Options{SetEnv: true})
	require.Equal(t, s.HomeDir(), os.Getenv("HOME"))
	require.Equal(t, s.ConfigPath(), os.Getenv("FERRY_SSH_CONFIG"))
	require.Empty(t, os.Getenv("SSH_AUTH_SOCK"))
}

func TestPassword(t *testing.T) {
	s := Start(t, Options{Password: "s3cret"})
	for _, tt := range []struct {
		name, password string
		ok             bool
	}{{"right", "s3cret", true}, {"wrong", "nope", false}} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := gossh.Dial("tcp", s.Addr(), &gossh.ClientConfig{
				User:            s.User(),
				Auth:            []gossh.AuthMethod{gossh.Password(tt.password)},
				HostKeyCallback: gossh.FixedHostKey(s.HostKeys()[0]),
			})
			if !tt.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err, "sshd log:\n%s", s.Logs())
			c.Close()
		})
	}
}

func TestSplitAtMatch(t *testing.T) {
	tests := []struct{ name, in, head, matches string }{
		{"empty", "", "", ""},
		{"no match", "MaxAuthTries 2\n", "MaxAuthTries 2", ""},
		{"match", "A b\nMatch User x\n  C d", "A b", "Match User x\n  C d"},
		{"match lower case", "match all\nX y", "", "match all\nX y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, m := splitAtMatch(tt.in)
			require.Equal(t, tt.head, h)
			require.Equal(t, tt.matches, m)
		})
	}
}

func TestRemoteHomeIsolated(t *testing.T) {
	s := Start(t, Options{})
	out, err := exec.Command("ssh", "-F", s.ConfigPath(), s.Alias(), "echo $HOME; pwd").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.True(t, strings.HasPrefix(string(out), s.RemoteHome()+"\n"), "HOME is %q", out)
}
