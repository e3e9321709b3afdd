package registry

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
)

var (
	nameRE     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
	labelKeyRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._/-]{0,62}[A-Za-z0-9])?$`)
	labelValRE = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9._-]{0,62}[A-Za-z0-9])?)?$`)
)

// ValidateName checks a session name: a letter, then letters, digits and '-'.
func ValidateName(name string) error {
	if name == "" {
		return nil
	}
	if !nameRE.MatchString(name) || len(name) > 64 {
		return fmt.Errorf("invalid name %q: names start with a letter and contain only letters, digits and '-' (at most 64)", name)
	}
	if IsID(name) {
		return fmt.Errorf("invalid name %q: it looks like a session identifier; choose another", name)
	}
	return nil
}

// ValidateLabels checks label keys and values.
func ValidateLabels(labels map[string]string) error {
	for k, v := range labels {
		if !labelKeyRE.MatchString(k) {
			return fmt.Errorf("invalid label key %q: use letters, digits, '.', '_', '-' and '/', starting and ending with a letter or digit", k)
		}
		if !labelValRE.MatchString(v) {
			return fmt.Errorf("invalid label value %q for %q: use letters, digits, '.', '_' and '-', starting and ending with a letter or digit", v, k)
		}
	}
	return nil
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewID returns a new identifier: prefix, '_', and 22 random base62 characters.
func NewID(prefix string) string {
	b := make([]byte, 22)
	max := big.NewInt(int64(len(base62)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand never fails on supported systems
		}
		b[i] = base62[n.Int64()]
	}
	return prefix + "_" + string(b)
}

// idRE matches the identifiers NewID makes for sync and forward sessions.
var idRE = regexp.MustCompile(`^(sync|fwrd)_[0-9A-Za-z]{22}$`)

// IsID reports whether s is a session identifier.
func IsID(s string) bool { return idRE.MatchString(s) }
