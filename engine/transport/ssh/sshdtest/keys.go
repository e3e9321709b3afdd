package sshdtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	gossh "golang.org/x/crypto/ssh"
)

// GenerateKey makes a private key of type "ed25519", "ecdsa" (P-256) or
// "rsa" (2048 bits).
func GenerateKey(typ string) (crypto.Signer, error) {
	switch typ {
	case "ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	case "ecdsa":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "rsa":
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return nil, fmt.Errorf("unknown key type %q; use ed25519, ecdsa or rsa", typ)
}

// WriteKey writes key in OpenSSH format to name (mode 0600), encrypted with
// passphrase unless it is empty, and its public half to name.pub.
func WriteKey(name string, key crypto.Signer, passphrase string) (gossh.PublicKey, error) {
	pub, err := gossh.NewPublicKey(key.Public())
	if err != nil {
		return nil, err
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = gossh.MarshalPrivateKey(key, "sshdtest")
	} else {
		block, err = gossh.MarshalPrivateKeyWithPassphrase(key, "sshdtest", []byte(passphrase))
	}
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(name, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(name+".pub", gossh.MarshalAuthorizedKey(pub), 0o644); err != nil {
		return nil, err
	}
	return pub, nil
}

// writeKey generates a key of type typ and writes it to name.
func writeKey(name, typ string) (gossh.PublicKey, error) {
	key, err := GenerateKey(typ)
	if err != nil {
		return nil, err
	}
	return WriteKey(name, key, "")
}

// loadOrWriteUserKey reads the user key at name, or creates it.
func loadOrWriteUserKey(name string) (gossh.PublicKey, error) {
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return writeKey(name, "ed25519")
	}
	if err != nil {
		return nil, err
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return signer.PublicKey(), nil
}
