package ssh_test

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/transport/ssh"
)

// resolvers runs a test with the "ssh -G" resolver and with the parser.
func resolvers(t *testing.T, f func(t *testing.T, opts ssh.ResolveOptions)) {
	t.Run("ssh -G", func(t *testing.T) {
		if _, err := exec.LookPath("ssh"); err != nil {
			t.Fatalf("no ssh client: install openssh-client (apt-get install openssh-client)")
		}
		f(t, ssh.ResolveOptions{})
	})
	t.Run("parser", func(t *testing.T) {
		f(t, ssh.ResolveOptions{NoSSHBinary: true})
	})
}

// tempHome makes a HOME with .ssh/config holding config, and clears
// FERRY_SSH_CONFIG.
func tempHome(t *testing.T, config string) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("FERRY_SSH_CONFIG", "")
	if config != "" {
		require.NoError(t, os.MkdirAll(filepath.Join(home, ".ssh"), 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(home, ".ssh", "config"), []byte(config), 0o600))
	}
	return home
}

func currentUser(t *testing.T) string {
	u, err := user.Current()
	require.NoError(t, err)
	return u.Username
}

func TestResolve(t *testing.T) {
	const config = `
Host dev
  HostName 10.1.2.3
  Port 2200
  User alice
  IdentityFile ~/.ssh/dev_key
  IdentityFile %d/.ssh/%h_%r
  IdentitiesOnly yes
  ProxyJump bob@bastion:2022,ssh://gate
  ConnectTimeout 7
  ServerAliveInterval 15
  ServerAliveCountMax 4
  UserKnownHostsFile ~/kh1 ~/kh2
  GlobalKnownHostsFile /etc/ferry_known_hosts
  HostKeyAlgorithms ssh-ed25519,rsa-sha2-512
  StrictHostKeyChecking accept-new

Host pattern-*
  HostName %h.example.com
  User first

Host pattern-b
  User second

Host cmd
  ProxyCommand nc %h %p

Host strict
  StrictHostKeyChecking yes

Host *
  ServerAliveInterval 30
`
	resolvers(t, func(t *testing.T, opts ssh.ResolveOptions) {
		home := tempHome(t, config)
		me := currentUser(t)
		defaults := ssh.HostConfig{
			Port:                  22,
			User:                  me,
			IdentityFiles:         []string{home + "/.ssh/id_ed25519", home + "/.ssh/id_ecdsa", home + "/.ssh/id_rsa"},
			ServerAliveInterval:   30 * time.Second,
			ServerAliveCountMax:   3,
			UserKnownHostsFiles:   []string{home + "/.ssh/known_hosts", home + "/.ssh/known_hosts2"},
			GlobalKnownHostsFiles: []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"},
			StrictHostKeyChecking: ssh.StrictAsk,
		}
		with := func(f func(c *ssh.HostConfig)) ssh.HostConfig {
			c := defaults
			f(&c)
			return c
		}
		tests := []struct {
			name       string
			alias      string
			user       string
			port       int
			want       ssh.HostConfig
			algorithms bool // compare HostKeyAlgorithms (ssh -G always lists them)
		}{
			{"every setting", "dev", "", 0, ssh.HostConfig{
				HostName:              "10.1.2.3",
				Port:                  2200,
				User:                  "alice",
				IdentityFiles:         []string{home + "/.ssh/dev_key", home + "/.ssh/10.1.2.3_alice"},
				IdentitiesOnly:        true,
				ProxyJump:             []ssh.Hop{{User: "bob", Host: "bastion", Port: 2022}, {Host: "gate"}},
				ConnectTimeout:        7 * time.Second,
				ServerAliveInterval:   15 * time.Second,
				ServerAliveCountMax:   4,
				UserKnownHostsFiles:   []string{home + "/kh1", home + "/kh2"},
				GlobalKnownHostsFiles: []string{"/etc/ferry_known_hosts"},
				HostKeyAlgorithms:     []string{"ssh-ed25519", "rsa-sha2-512"},
				StrictHostKeyChecking: ssh.StrictAcceptNew,
			}, true},
			{"URL user and port win", "dev", "carol", 2222, ssh.HostConfig{
				HostName:              "10.1.2.3",
				Port:                  2222,
				User:                  "carol",
				IdentityFiles:         []string{home + "/.ssh/dev_key", home + "/.ssh/10.1.2.3_carol"},
				IdentitiesOnly:        true,
				ProxyJump:             []ssh.Hop{{User: "bob", Host: "bastion", Port: 2022}, {Host: "gate"}},
				ConnectTimeout:        7 * time.Second,
				ServerAliveInterval:   15 * time.Second,
				ServerAliveCountMax:   4,
				UserKnownHostsFiles:   []string{home + "/kh1", home + "/kh2"},
				GlobalKnownHostsFiles: []string{"/etc/ferry_known_hosts"},
				HostKeyAlgorithms:     []string{"ssh-ed25519", "rsa-sha2-512"},
				StrictHostKeyChecking: ssh.StrictAcceptNew,
			}, true},
			{"unknown alias gets defaults", "plain.example.org", "", 0, with(func(c *ssh.HostConfig) {
				c.HostName = "plain.example.org"
			}), false},
			{"first match wins and %h expands", "pattern-b", "", 0, with(func(c *ssh.HostConfig) {
				c.HostName, c.User = "pattern-b.example.com", "first"
			}), false},
			{"proxy command recorded", "cmd", "", 0, with(func(c *ssh.HostConfig) {
				c.HostName, c.ProxyCommand = "cmd", "nc %h %p"
			}), false},
			{"strict yes", "strict", "", 0, with(func(c *ssh.HostConfig) {
				c.HostName, c.StrictHostKeyChecking = "strict", ssh.StrictYes
			}), false},
			{"ipv6 address", "::1", "", 0, with(func(c *ssh.HostConfig) {
				c.HostName = "::1"
			}), false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				o := opts
				o.User, o.Port = tt.user, tt.port
				got, err := ssh.Resolve(context.Background(), tt.alias, o)
				require.NoError(t, err)
				want := tt.want
				want.Alias = tt.alias
				want.ConfigFile = filepath.Join(home, ".ssh", "config")
				want.Resolver = got.Resolver
				if !tt.algorithms {
					got.HostKeyAlgorithms = nil
				}
				require.Equal(t, want, exported(*got))
			})
		}
	})
}

// exported copies the exported fields of c (the rest is internal).
func exported(c ssh.HostConfig) ssh.HostConfig {
	return ssh.HostConfig{
		Alias: c.Alias, HostName: c.HostName, User: c.User, Port: c.Port,
		IdentityFiles: c.IdentityFiles, IdentitiesOnly: c.IdentitiesOnly,
		ProxyJump: c.ProxyJump, ProxyCommand: c.ProxyCommand,
		ConnectTimeout: c.ConnectTimeout, ServerAliveInterval: c.ServerAliveInterval,
		ServerAliveCountMax: c.ServerAliveCountMax, UserKnownHostsFiles: c.UserKnownHostsFiles,
		GlobalKnownHostsFiles: c.GlobalKnownHostsFiles, HostKeyAlgorithms: c.HostKeyAlgorithms,
		StrictHostKeyChecking: c.StrictHostKeyChecking, ConfigFile: c.ConfigFile, Resolver: c.Resolver,
	}
}

func TestResolveConfigFileChoice(t *testing.T) {
	resolvers(t, func(t *testing.T, opts ssh.ResolveOptions) {
		home := tempHome(t, "Host h\n  Port 1001\n")
		other := filepath.Join(t.TempDir(), "cfg")
		require.NoError(t, os.WriteFile(other, []byte("Host h\n  Port 1002\n"), 0o600))
		explicit := filepath.Join(t.TempDir(), "cfg")
		require.NoError(t, os.WriteFile(explicit, []byte("Host h\n  Port 1003\n"), 0o600))

		tests := []struct {
			name       string
			env        string // FERRY_SSH_CONFIG
			option     string // ResolveOptions.ConfigFile
			removeHome bool
			wantPort   int
			wantFile   string
		}{
			{"HOME config", "", "", false, 1001, filepath.Join(home, ".ssh", "config")},
			{"FERRY_SSH_CONFIG wins", other, "", false, 1002, other},
			{"option wins", other, explicit, false, 1003, explicit},
			{"no config at all", "", "", true, 22, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Setenv("FERRY_SSH_CONFIG", tt.env)
				if tt.removeHome {
					t.Setenv("HOME", t.TempDir())
				}
				o := opts
				o.ConfigFile = tt.option
				got, err := ssh.Resolve(context.Background(), "h", o)
				require.NoError(t, err)
				require.Equal(t, tt.wantPort, got.Port)
				require.Equal(t, tt.wantFile, got.ConfigFile)
			})
		}
	})
}

func TestResolveErrors(t *testing.T) {
	resolvers(t, func(t *testing.T, opts ssh.ResolveOptions) {
		tempHome(t, "Host badport\n  Port nope\nHost badtimeout\n  ConnectTimeout soon\n")
		tests := []struct {
			name, alias string
			port        int
			env         string
			want        string
		}{
			{"empty alias", "", 0, "", "empty host name"},
			{"dash alias", "-oProxyCommand=x", 0, "", `starts with "-"`},
			{"space alias", "a b", 0, "", "space"},
			{"port out of range", "h", 70000, "", "out of range"},
			{"bad port in config", "badport", 0, "", "badport"},
			{"bad timeout in config", "badtimeout", 0, "", "badtimeout"},
			{"missing FERRY_SSH_CONFIG", "h", 0, "/nonexistent/ferry/cfg", "FERRY_SSH_CONFIG"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.env != "" {
					t.Setenv("FERRY_SSH_CONFIG", tt.env)
				}
				o := opts
				o.Port = tt.port
				_, err := ssh.Resolve(context.Background(), tt.alias, o)
				require.Error(t, err)
				require.ErrorIs(t, err, ssh.ErrConfig)
				require.Contains(t, err.Error(), tt.want)
			})
		}
	})
}

func TestResolveWithoutSSHBinaryInPath(t *testing.T) {
	home := tempHome(t, "Host h\n  HostName example.net\n  IdentityFile ~/k\n")
	t.Setenv("PATH", t.TempDir()) // no ssh here
	got, err := ssh.Resolve(context.Background(), "h", ssh.ResolveOptions{})
	require.NoError(t, err)
	require.Equal(t, "parser", got.Resolver)
	require.Equal(t, "example.net", got.HostName)
	require.Equal(t, []string{home + "/k"}, got.IdentityFiles)
}
