package ssh

import (
	"slices"
	"strings"

	gossh "golang.org/x/crypto/ssh"
)

// defaultHostKeyAlgorithms is OpenSSH's default preference, without
// certificate and security-key algorithms.
var defaultHostKeyAlgorithms = []string{
	gossh.KeyAlgoED25519,
	gossh.KeyAlgoECDSA256,
	gossh.KeyAlgoECDSA384,
	gossh.KeyAlgoECDSA521,
	gossh.KeyAlgoRSASHA512,
	gossh.KeyAlgoRSASHA256,
}

// usableHostKeyAlgorithm reports whether x/crypto can verify a plain host
// key of algorithm a. Certificate algorithms are left out: ferry checks
// plain keys against known_hosts, and x/crypto does not fall back to the
// plain key when a certificate is not trusted.
func usableHostKeyAlgorithm(a string) bool {
	if strings.Contains(a, "-cert-") {
		return false
	}
	return slices.Contains(gossh.SupportedAlgorithms().HostKeys, a) ||
		slices.Contains(gossh.InsecureAlgorithms().HostKeys, a)
}

// keyTypeOf is the host key type a signature algorithm belongs to.
func keyTypeOf(algorithm string) string {
	switch algorithm {
	case gossh.KeyAlgoRSASHA256, gossh.KeyAlgoRSASHA512:
		return gossh.KeyAlgoRSA
	}
	return algorithm
}

// hostKeyAlgorithms returns the host key algorithms to offer: configured
// (nil for the default) restricted to the usable ones, with the algorithms
// of key types known for the host moved to the front, as OpenSSH does.
// Without that, a server with several host keys could present one that
// known_hosts does not list, which knownhosts reports as a changed key.
// The order within each group is the configured preference. The result is
// empty only if nothing configured is usable.
func hostKeyAlgorithms(known []gossh.PublicKey, configured []string) []string {
	base := configured
	if len(base) == 0 {
		base = defaultHostKeyAlgorithms
	}
	base = slices.DeleteFunc(slices.Clone(base), func(a string) bool { return !usableHostKeyAlgorithm(a) })
	knownType := map[string]bool{}
	for _, k := range known {
		knownType[k.Type()] = true
	}
	var first, rest []string
	for _, a := range base {
		if knownType[keyTypeOf(a)] {
			first = append(first, a)
		} else {
			rest = append(rest, a)
		}
	}
	return append(first, rest...)
}
