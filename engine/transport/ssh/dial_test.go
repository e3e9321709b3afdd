package ssh_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/ferrysync/ferry/engine/transport/ssh"
	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
)

// prompter turns a possibly nil *fakePrompter into a Prompter that is nil
// when it is.
func prompter(f *fakePrompter) ssh.Prompter {
	if f == nil {
		return nil
	}
	return f
}

func TestDialKeyAuth(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{SetEnv: true})
	tests := []struct {
		name   string
		target ssh.Target
	}{
		{"alias", ssh.Target{Host: s.Alias()}},
		{"alias with explicit user and port", ssh.Target{Host: s.Alias(), User: s.User(), Port: s.Port()}},
		{"address and port, no alias", ssh.Target{Host: "127.0.0.1", Port: s.Port()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ssh.Dial(context.Background(), tt.target, nil)
			require.NoError(t, err)
			defer c.Close()
			echo(t, c)
		})
	}
	require.GreaterOrEqual(t, s.WaitConnections(len(tests)), len(tests))
}

func TestDialUnknownHostKey(t *testing.T) {
	tests := []struct {
		name        string
		strict      string // StrictHostKeyChecking in the client config
		prompter    *fakePrompter
		wantErr     bool
		wantAsked   bool
		removeFirst bool // delete known_hosts before dialing
	}{
		{"accepted", "", &fakePrompter{accept: true}, false, true, false},
		{"accepted creates known_hosts", "", &fakePrompter{accept: true}, false, true, true},
		{"refused", "", &fakePrompter{accept: false}, true, true, false},
		{"no prompter", "", nil, true, false, false},
		{"accept-new records without asking", "accept-new", nil, false, false, false},
		{"no records without asking", "no", nil, false, false, false},
		{"strict yes never asks", "yes", &fakePrompter{accept: true}, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := ""
			if tt.strict != "" {
				extra = "StrictHostKeyChecking " + tt.strict
			}
			s := sshdtest.Start(t, sshdtest.Options{SetEnv: true, EmptyKnownHosts: true, ExtraClientConfig: extra})
			if tt.removeFirst {
				require.NoError(t, os.Remove(s.KnownHostsPath()))
			}
			key := s.HostKeys()[0]
			fp := gossh.FingerprintSHA256(key)

			c, err := dial(t, s.Alias(), prompter(tt.prompter))
			if tt.prompter != nil {
				require.Equal(t, tt.wantAsked, len(tt.prompter.hostKeys) == 1, "asked %d times", len(tt.prompter.hostKeys))
				if tt.wantAsked {
					got := tt.prompter.hostKeys[0]
					require.Equal(t, s.Alias(), got.Host)
					require.Equal(t, fp, got.Fingerprint)
					require.Equal(t, key.Type(), got.KeyType)
					require.Equal(t, s.Addr(), got.Address)
					require.Contains(t, got.Message, fp)
				}
			}
			if tt.wantErr {
				require.ErrorIs(t, err, ssh.ErrHostKeyUnknown)
				require.True(t, ssh.IsHostKeyUnknown(err))
				require.Contains(t, err.Error(), fmt.Sprintf(`host key for %s is not known (fingerprint %s); run "ssh %s" once to accept it, or answer yes when ferry asks`, s.Alias(), fp, s.Alias()))
				if !tt.removeFirst {
					require.Empty(t, readFile(t, s.KnownHostsPath()), "nothing may be recorded")
				}
				return
			}
			require.NoError(t, err)
			echo(t, c)
			require.Equal(t, knownhosts.Line([]string{s.Addr()}, key)+"\n", readFile(t, s.KnownHostsPath()))
			st, err := os.Stat(s.KnownHostsPath())
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

			// The second dial knows the key: no question, no new line.
			again := &fakePrompter{}
			c2, err := dial(t, s.Alias(), again)
			require.NoError(t, err)
			echo(t, c2)
			require.Empty(t, again.hostKeys)
			require.Equal(t, knownhosts.Line([]string{s.Addr()}, key)+"\n", readFile(t, s.KnownHostsPath()))
		})
	}
}

func TestDialChangedHostKey(t *testing.T) {
	otherEd, err := sshdtest.GenerateKey("ed25519")
	require.NoError(t, err)
	otherEdPub, err := gossh.NewPublicKey(otherEd.Public())
	require.NoError(t, err)
	otherEc, err := sshdtest.GenerateKey("ecdsa")
	require.NoError(t, err)
	otherEcPub, err := gossh.NewPublicKey(otherEc.Public())
	require.NoError(t, err)

	tests := []struct {
		name  string
		lines func(s *sshdtest.Server) string
		want  string
	}{
		{"different key of the same type", func(s *sshdtest.Server) string {
			return "# comment\n" + knownhosts.Line([]string{"elsewhere.example:22"}, otherEcPub) + "\n" +
				knownhosts.Line([]string{s.Addr()}, otherEdPub) + "\n"
		}, "host key for testhost changed (~/.ssh/known_hosts line 3): if the server was reinstalled, remove that line"},
		{"only another key type known", func(s *sshdtest.Server) string {
			return knownhosts.Line([]string{s.Addr()}, otherEcPub) + "\n"
		}, "has only other key types for it; if the server was reinstalled, remove that line"},
		{"revoked", func(s *sshdtest.Server) string {
			return knownhosts.Line([]string{s.Addr()}, s.HostKeys()[0]) + "\n" +
				"@revoked * " + strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.HostKeys()[0]))) + "\n"
		}, "is revoked (~/.ssh/known_hosts line 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sshdtest.Start(t, sshdtest.Options{SetEnv: true, EmptyKnownHosts: true})
			before := tt.lines(s)
			require.NoError(t, os.WriteFile(s.KnownHostsPath(), []byte(before), 0o600))
			p := &fakePrompter{accept: true}
			_, err := dial(t, s.Alias(), p)
			require.ErrorIs(t, err, ssh.ErrHostKeyChanged)
			require.Contains(t, err.Error(), tt.want)
			require.Empty(t, p.hostKeys, "a changed key is never offered for acceptance")
			require.Equal(t, before, readFile(t, s.KnownHostsPath()), "known_hosts must not change")
		})
	}
}

func TestDialMultiKeyHost(t *testing.T) {
	for _, known := range []int{0, 1} {
		s := sshdtest.Start(t, sshdtest.Options{SetEnv: true, EmptyKnownHosts: true, HostKeyTypes: []string{"rsa", "ed25519"}})
		key := s.HostKeys()[known]
		t.Run("only "+key.Type()+" known", func(t *testing.T) {
			require.NoError(t, os.WriteFile(s.KnownHostsPath(), []byte(knownhosts.Line([]string{s.Addr()}, key)+"\n"), 0o600))
			c, err := dial(t, s.Alias(), nil)
			require.NoError(t, err)
			echo(t, c)
		})
	}
}

func TestDialEncryptedIdentity(t *testing.T) {
	tests := []struct {
		name     string
		prompter *fakePrompter
		wantErr  string
		asked    int
	}{
		{"right passphrase", &fakePrompter{answers: []string{"open sesame"}}, "", 1},
		{"wrong then right", &fakePrompter{answers: []string{"nope", "open sesame"}}, "", 2},
		{"no prompter skips the key", nil, "encrypted, and there is no one to ask for its passphrase", 0},
		{"user gives up", &fakePrompter{}, "passphrase for ~/.ssh/id_ed25519: fake prompter: no answer left; try again", 1},
	}
	// Encrypting (bcrypt KDF) is slow under -race: do it once.
	key, err := sshdtest.GenerateKey("ed25519")
	require.NoError(t, err)
	encrypted := filepath.Join(t.TempDir(), "key")
	pub, err := sshdtest.WriteKey(encrypted, key, "open sesame")
	require.NoError(t, err)
	pem, err := os.ReadFile(encrypted)
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sshdtest.Start(t, sshdtest.Options{SetEnv: true})
			require.NoError(t, os.WriteFile(s.IdentityFile(), pem, 0o600))
			require.NoError(t, os.Remove(s.IdentityFile()+".pub")) // the OpenSSH format carries it
			s.Authorize(pub)

			c, err := dial(t, s.Alias(), prompter(tt.prompter))
			if tt.prompter != nil {
				require.Len(t, tt.prompter.secrets, tt.asked)
				for i, p := range tt.prompter.secrets {
					require.Equal(t, ssh.SecretPassphrase, p.Kind)
					require.Equal(t, s.IdentityFile(), p.KeyFile)
					require.Equal(t, i+1, p.Attempt)
					require.Contains(t, p.Message, "~/.ssh/id_ed25519")
				}
			}
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ssh.ErrAuth)
				require.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			echo(t, c)
		})
	}
}

// serveAgent serves keyring on a unix socket and points SSH_AUTH_SOCK at it.
func serveAgent(t *testing.T, keys ...any) {
	dir, err := os.MkdirTemp("", "ferry-agent") // short: unix socket paths are limited
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "agent.sock")
	ln, err := net.Listen("unix", sock)
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	keyring := agent.NewKeyring()
	for _, k := range keys {
		require.NoError(t, keyring.Add(agent.AddedKey{PrivateKey: k}))
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				agent.ServeAgent(keyring, c)
			}()
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)
}

func TestDialAgent(t *testing.T) {
	tests := []struct {
		name           string
		identitiesOnly bool
		pubFile        string // what stays at IdentityFile.pub: "same", "other", ""
		wantErr        string
	}{
		{"agent key, no key file", false, "", ""},
		{"IdentitiesOnly picks the agent key by its .pub", true, "same", ""},
		{"IdentitiesOnly excludes other agent keys", true, "other", "IdentitiesOnly excluded all ssh-agent keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := ""
			if tt.identitiesOnly {
				extra = "IdentitiesOnly yes"
			}
			s := sshdtest.Start(t, sshdtest.Options{SetEnv: true, ExtraClientConfig: extra})
			data, err := os.ReadFile(s.IdentityFile())
			require.NoError(t, err)
			userKey, err := gossh.ParseRawPrivateKey(data)
			require.NoError(t, err)
			serveAgent(t, userKey)
			require.NoError(t, os.Remove(s.IdentityFile()))
			switch tt.pubFile {
			case "":
				require.NoError(t, os.Remove(s.IdentityFile()+".pub"))
			case "other":
				other, err := sshdtest.GenerateKey("ed25519")
				require.NoError(t, err)
				otherPub, err := gossh.NewPublicKey(other.Public())
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(s.IdentityFile()+".pub", gossh.MarshalAuthorizedKey(otherPub), 0o644))
			}
			c, err := dial(t, s.Alias(), nil)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ssh.ErrAuth)
				require.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			echo(t, c)
		})
	}
}

func TestDialAuthFailure(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{SetEnv: true})
	key, err := sshdtest.GenerateKey("ed25519")
	require.NoError(t, err)
	_, err = sshdtest.WriteKey(s.IdentityFile(), key, "") // not authorized
	require.NoError(t, err)
	_, err = dial(t, s.Alias(), nil)
	require.ErrorIs(t, err, ssh.ErrAuth)
	require.True(t, ssh.IsAuth(err))
	msg := err.Error()
	for _, want := range []string{
		"authentication as " + s.User() + " to testhost (" + s.Addr() + ") failed",
		"the server accepted none of: ~/.ssh/id_ed25519",
		"no ssh-agent (SSH_AUTH_SOCK is not set)",
		"authorized_keys",
	} {
		require.Contains(t, msg, want)
	}
}

func TestDialPassword(t *testing.T) {
	tests := []struct {
		name     string
		kbd      bool
		answers  []string
		wantKind ssh.SecretKind
		wantErr  bool
	}{
		{"password", false, []string{"hunter2"}, ssh.SecretPassword, false},
		{"password wrong three times", false, []string{"a", "b", "c"}, ssh.SecretPassword, true},
		{"keyboard-interactive", true, []string{"hunter2"}, ssh.SecretKeyboardInteractive, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sshdtest.Start(t, sshdtest.Options{SetEnv: true, Password: "hunter2", KeyboardInteractive: tt.kbd})
			require.NoError(t, os.Remove(s.IdentityFile())) // no key: only the password works
			p := &fakePrompter{answers: tt.answers}
			c, err := dial(t, s.Alias(), p)
			require.NotEmpty(t, p.secrets)
			require.Equal(t, tt.wantKind, p.secrets[0].Kind)
			require.Equal(t, s.User(), p.secrets[0].User)
			if tt.wantErr {
				require.ErrorIs(t, err, ssh.ErrAuth)
				require.Contains(t, err.Error(), "password")
				require.Len(t, p.secrets, 3)
				return
			}
			require.NoError(t, err, "sshd log:\n%s", s.Logs())
			if !tt.kbd { // PAM sessions may not work in a container; auth did
				echo(t, c)
			}
		})
	}
}

func TestDialProxyJump(t *testing.T) {
	t.Run("one hop", func(t *testing.T) {
		jump := sshdtest.Start(t, sshdtest.Options{Alias: "jump", SetEnv: true})
		target := sshdtest.Start(t, sshdtest.Options{Alias: "target", Home: jump.HomeDir(), ExtraClientConfig: "ProxyJump jump"})
		c, err := dial(t, "target", nil)
		require.NoError(t, err)
		echo(t, c)
		require.GreaterOrEqual(t, jump.WaitConnections(1), 1)
		require.GreaterOrEqual(t, target.WaitConnections(1), 1)
		c.Close()
		require.True(t, jump.WaitLog("Closing connection to 127.0.0.1"), "closing the client closes the jump connection:\n%s", jump.Logs())
	})
	t.Run("two hops", func(t *testing.T) {
		j1 := sshdtest.Start(t, sshdtest.Options{Alias: "j1", SetEnv: true})
		j2 := sshdtest.Start(t, sshdtest.Options{Alias: "j2", Home: j1.HomeDir()})
		target := sshdtest.Start(t, sshdtest.Options{Alias: "target", Home: j1.HomeDir(), ExtraClientConfig: "ProxyJump j1,j2"})
		c, err := dial(t, "target", nil)
		require.NoError(t, err)
		echo(t, c)
		for _, s := range []*sshdtest.Server{j1, j2, target} {
			require.GreaterOrEqual(t, s.WaitConnections(1), 1, s.Alias())
		}
	})
	t.Run("jump host key unknown", func(t *testing.T) {
		jump := sshdtest.Start(t, sshdtest.Options{Alias: "jump", SetEnv: true})
		sshdtest.Start(t, sshdtest.Options{Alias: "target", Home: jump.HomeDir(), ExtraClientConfig: "ProxyJump jump"})
		require.NoError(t, os.WriteFile(jump.KnownHostsPath(), nil, 0o600))
		_, err := dial(t, "target", nil)
		require.ErrorIs(t, err, ssh.ErrHostKeyUnknown)
		require.Contains(t, err.Error(), "jump host jump for target: host key for jump is not known")
	})
	t.Run("jump host cannot reach target", func(t *testing.T) {
		jump := sshdtest.Start(t, sshdtest.Options{Alias: "jump", SetEnv: true})
		appendToFile(t, jump.ConfigPath(), fmt.Sprintf("\nHost nowhere\n  HostName 127.0.0.1\n  Port %d\n  ProxyJump jump\n", closedPort(t)))
		_, err := dial(t, "nowhere", nil)
		require.ErrorIs(t, err, ssh.ErrUnreachable)
		require.Contains(t, err.Error(), "through jump host jump")
	})
}

func TestDialUnreachable(t *testing.T) {
	tempHome(t, fmt.Sprintf(`
Host refused
  HostName 127.0.0.1
  Port %d
Host silent
  HostName 127.0.0.1
  Port %d
  ConnectTimeout 1
Host proxied
  ProxyCommand nc %%h %%p
`, closedPort(t), silentListener(t)))
	tests := []struct {
		name, alias string
		kind        error
		want        string
	}{
		{"connection refused", "refused", ssh.ErrUnreachable, "connection refused; check that sshd runs there"},
		{"silent server times out", "silent", ssh.ErrUnreachable, "did not complete the SSH handshake within 1s (ConnectTimeout)"},
		{"proxy command refused", "proxied", ssh.ErrConfig, "use ProxyJump instead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := dial(t, tt.alias, nil)
			require.ErrorIs(t, err, tt.kind)
			require.Contains(t, err.Error(), tt.want)
			require.Less(t, time.Since(start), 10*time.Second)
		})
	}
}

// blockingPrompter blocks in ConfirmHostKey until ctx ends.
type blockingPrompter struct{ asked chan struct{} }

func (b *blockingPrompter) ConfirmHostKey(ctx context.Context, _ ssh.HostKeyPrompt) (bool, error) {
	close(b.asked)
	<-ctx.Done()
	return false, ctx.Err()
}

func (b *blockingPrompter) Secret(ctx context.Context, _ ssh.SecretPrompt) (string, error) {
	return "", ctx.Err()
}

func TestDialCancelWhilePrompting(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{SetEnv: true, EmptyKnownHosts: true})
	ctx, cancel := context.WithCancel(context.Background())
	p := &blockingPrompter{asked: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		_, err := ssh.Dial(ctx, ssh.Target{Host: s.Alias()}, p)
		errc <- err
	}()
	<-p.asked
	cancel()
	err := <-errc
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, readFile(t, s.KnownHostsPath()))
}

func TestKeepAliveClosesDeadConnection(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{SetEnv: true})
	r := startRelay(t, s.Addr())
	relayAddr := fmt.Sprintf("127.0.0.1:%d", r.port())
	appendToFile(t, s.KnownHostsPath(), knownhosts.Line([]string{relayAddr}, s.HostKeys()[0])+"\n")
	appendToFile(t, s.ConfigPath(), fmt.Sprintf(`
Host relay
  HostName 127.0.0.1
  Port %d
  IdentityFile %s
  UserKnownHostsFile %s
  ServerAliveInterval 1
  ServerAliveCountMax 2
`, r.port(), s.IdentityFile(), s.KnownHostsPath()))
	c, err := dial(t, "relay", nil)
	require.NoError(t, err)

	// Answered keepalives keep an idle connection up: the command outlives
	// several intervals.
	sess, err := c.NewSession()
	require.NoError(t, err)
	out, err := sess.CombinedOutput("sleep 3; echo alive")
	require.NoError(t, err)
	require.Equal(t, "alive\n", string(out))

	r.freeze()
	start := time.Now()
	waited := make(chan error, 1)
	go func() { waited <- c.Wait() }()
	select {
	case <-waited:
	case <-time.After(15 * time.Second):
		t.Fatal("the connection was not closed after the keepalives went unanswered")
	}
	require.Less(t, time.Since(start), 10*time.Second)
}
