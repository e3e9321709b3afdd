package ssh

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/stretchr/testify/require"
	gossh "golang.org/x/crypto/ssh"
)

func testPublicKey(t *testing.T, typ string) gossh.PublicKey {
	t.Helper()
	var pub any
	switch typ {
	case "ed25519":
		p, _, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		pub = p
	case "ecdsa":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		pub = &k.PublicKey
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		require.NoError(t, err)
		pub = &k.PublicKey
	}
	k, err := gossh.NewPublicKey(pub)
	require.NoError(t, err)
	return k
}

func TestHostKeyAlgorithms(t *testing.T) {
	ed, ec, rs := testPublicKey(t, "ed25519"), testPublicKey(t, "ecdsa"), testPublicKey(t, "rsa")
	all := []string{"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256"}
	tests := []struct {
		name       string
		known      []gossh.PublicKey
		configured []string
		want       []string
	}{
		{"unknown host keeps the default order", nil, nil, all},
		{"ed25519 known goes first", []gossh.PublicKey{ed}, nil, all},
		{"rsa known goes first, both signature algorithms", []gossh.PublicKey{rs}, nil,
			[]string{"rsa-sha2-512", "rsa-sha2-256", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"}},
		{"ecdsa known goes first", []gossh.PublicKey{ec}, nil,
			[]string{"ecdsa-sha2-nistp256", "ssh-ed25519", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256"}},
		{"several known keep preference order", []gossh.PublicKey{rs, ed}, nil,
			[]string{"ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"}},
		{"configured list is the base", []gossh.PublicKey{rs}, []string{"ssh-ed25519", "rsa-sha2-256"},
			[]string{"rsa-sha2-256", "ssh-ed25519"}},
		{"known type not configured is not added", []gossh.PublicKey{ec}, []string{"ssh-ed25519"}, []string{"ssh-ed25519"}},
		{"certificates and unknown names dropped", nil,
			[]string{"ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com", "ssh-ed25519", "bogus"}, []string{"ssh-ed25519"}},
		{"explicit legacy ssh-rsa allowed", []gossh.PublicKey{rs}, []string{"ssh-ed25519", "ssh-rsa"}, []string{"ssh-rsa", "ssh-ed25519"}},
		{"nothing usable", nil, []string{"ssh-ed25519-cert-v01@openssh.com"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, hostKeyAlgorithms(tt.known, tt.configured))
		})
	}
}

func TestApplyAlgorithmList(t *testing.T) {
	def := []string{"a", "b", "c"}
	tests := []struct {
		name, in string
		want     []string
	}{
		{"replace", "x,y", []string{"x", "y"}},
		{"append", "+d,a", []string{"a", "b", "c", "d"}},
		{"remove", "-b", []string{"a", "c"}},
		{"prepend", "^c", []string{"c", "a", "b"}},
		{"empty", "", def},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, applyAlgorithmList(def, tt.in))
		})
	}
}
