package ssh

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseProxyJump(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Hop
		err  string
	}{
		{"empty", "", nil, ""},
		{"none", "none", nil, ""},
		{"host", "bastion", []Hop{{Host: "bastion"}}, ""},
		{"user host port", "me@bastion:2022", []Hop{{User: "me", Host: "bastion", Port: 2022}}, ""},
		{"url form", "ssh://me@bastion:2022/", []Hop{{User: "me", Host: "bastion", Port: 2022}}, ""},
		{"two hops", "a,b:23", []Hop{{Host: "a"}, {Host: "b", Port: 23}}, ""},
		{"ipv6 bracketed", "[::1]:2200", []Hop{{Host: "::1", Port: 2200}}, ""},
		{"ipv6 bracketed no port", "u@[fe80::1]", []Hop{{User: "u", Host: "fe80::1"}}, ""},
		{"ipv6 bare", "::1", []Hop{{Host: "::1"}}, ""},
		{"user with at", "a@b@host", []Hop{{User: "a@b", Host: "host"}}, ""},
		{"bad port", "a:0", nil, "port"},
		{"port not a number", "a:x", nil, "port"},
		{"empty host", "me@:22", nil, "empty host"},
		{"empty hop", "a,,b", nil, "empty host"},
		{"empty user", "@a", nil, "empty user"},
		{"unbalanced", "[::1", nil, "unbalanced"},
		{"junk after bracket", "[::1]x", nil, "expected"},
		{"dash host", "-oX", nil, "invalid host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProxyJump(tt.in)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			for i, h := range got { // String round-trips
				again, err := ParseProxyJump(h.String())
				require.NoError(t, err)
				require.Equal(t, []Hop{got[i]}, again)
			}
		})
	}
}

func TestParseSSHG(t *testing.T) {
	out := []byte(`host dev
user alice
hostname 10.0.0.1
port 2200
identityfile ~/.ssh/id_rsa
identityfile ~/.ssh/id_ecdsa
identityfile ~/.ssh/id_ecdsa_sk
identityfile ~/.ssh/id_ed25519
identityfile ~/.ssh/id_ed25519_sk
identityfile ~/.ssh/id_xmss
identityfile ~/.ssh/id_dsa
connecttimeout none
stricthostkeychecking true
serveraliveinterval 0
serveralivecountmax 3
userknownhostsfile /pw/home/.ssh/known_hosts ~/.ssh/known_hosts2 /srv/kh
globalknownhostsfile /etc/ssh/ssh_known_hosts
proxycommand none
`)
	hc, err := parseSSHG(out, "", "dev", expandEnv{home: "/test/home"})
	require.NoError(t, err)
	require.Equal(t, "10.0.0.1", hc.HostName)
	require.Equal(t, 2200, hc.Port)
	require.Equal(t, defaultIdentityFiles, hc.IdentityFiles, "OpenSSH's default list becomes ferry's")
	require.Equal(t, StrictYes, hc.StrictHostKeyChecking)
	require.Equal(t, time.Duration(0), hc.ConnectTimeout)
	require.Empty(t, hc.ProxyCommand)
	require.Equal(t, []string{"/etc/ssh/ssh_known_hosts"}, hc.GlobalKnownHostsFiles)
	// known_hosts paths under the password-database home move to $HOME
	got := knownHostsList("/pw/home/.ssh/known_hosts ~/.ssh/known_hosts2 /srv/kh none", "/pw/home", "/test/home")
	require.Equal(t, []string{"/test/home/.ssh/known_hosts", "/test/home/.ssh/known_hosts2", "/srv/kh"}, got)
	require.Equal(t, []string{"/pw/home/x"}, knownHostsList("/pw/home/x", "/pw/home", "/pw/home"))
	require.Equal(t, []string{"/pw/homeother/x"}, knownHostsList("/pw/homeother/x", "/pw/home", "/test/home"))
}

func TestExpand(t *testing.T) {
	env := expandEnv{home: "/h", localUser: "me"}
	hc := &HostConfig{Alias: "dev", HostName: "10.0.0.1", User: "alice", Port: 2200}
	tests := []struct{ in, want string }{
		{"~", "/h"},
		{"~/.ssh/k", "/h/.ssh/k"},
		{"~bob/k", "~bob/k"},
		{"%d/%u/%h/%n/%p/%r/%%/%z/%", "/h/me/10.0.0.1/dev/2200/alice/%/%z/%"},
		{"/abs", "/abs"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			require.Equal(t, tt.want, env.expand(tt.in, hc))
		})
	}
}

func FuzzParseProxyJump(f *testing.F) {
	for _, s := range []string{"a", "u@h:22", "ssh://u@[::1]:2200/", "a,b", "[", "@", "a:b:c", "none"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hops, err := ParseProxyJump(s)
		if err != nil {
			return
		}
		for _, h := range hops {
			if h.Host == "" || h.Port < 0 || h.Port > 65535 {
				t.Fatalf("ParseProxyJump(%q) gave hop %#v", s, h)
			}
			again, err := ParseProxyJump(h.String())
			if err != nil || len(again) != 1 || again[0] != h {
				t.Fatalf("hop %#v from %q formats as %q, which parses to %#v, %v", h, s, h.String(), again, err)
			}
		}
	})
}
