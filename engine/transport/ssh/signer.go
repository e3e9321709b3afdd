package ssh

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"sync"

	gossh "golang.org/x/crypto/ssh"
)

// passphraseAttempts is how often a passphrase is asked for before the key
// is given up, as OpenSSH does.
const passphraseAttempts = 3

// encryptedKeySigner is a passphrase-protected identity file. Its public
// key is known without the passphrase, so the server is asked first
// whether it would accept the key; the passphrase is asked for only when
// it would (x/crypto queries before it signs), and only once.
type encryptedKeySigner struct {
	ctx        context.Context
	p          Prompter
	host, user string
	file       string
	pemBytes   []byte
	pub        gossh.PublicKey

	mu     sync.Mutex
	signer gossh.Signer // set once decrypted
}

var _ gossh.MultiAlgorithmSigner = (*encryptedKeySigner)(nil)

func (s *encryptedKeySigner) PublicKey() gossh.PublicKey { return s.pub }

func (s *encryptedKeySigner) Algorithms() []string {
	if s.pub.Type() == gossh.KeyAlgoRSA {
		return []string{gossh.KeyAlgoRSASHA512, gossh.KeyAlgoRSASHA256, gossh.KeyAlgoRSA}
	}
	return []string{s.pub.Type()}
}

func (s *encryptedKeySigner) Sign(rand io.Reader, data []byte) (*gossh.Signature, error) {
	return s.SignWithAlgorithm(rand, data, "")
}

func (s *encryptedKeySigner) SignWithAlgorithm(rand io.Reader, data []byte, algorithm string) (*gossh.Signature, error) {
	signer, err := s.unlock()
	if err != nil {
		return nil, err
	}
	if algorithm == "" {
		return signer.Sign(rand, data)
	}
	as, ok := signer.(gossh.AlgorithmSigner)
	if !ok {
		return nil, fmt.Errorf("key %s cannot sign with %s", displayFile(s.file), algorithm)
	}
	return as.SignWithAlgorithm(rand, data, algorithm)
}

// unlock asks for the passphrase and decrypts the key.
func (s *encryptedKeySigner) unlock() (gossh.Signer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.signer != nil {
		return s.signer, nil
	}
	for attempt := 1; attempt <= passphraseAttempts; attempt++ {
		msg := fmt.Sprintf("Enter passphrase for key %s", displayFile(s.file))
		if attempt > 1 {
			msg = fmt.Sprintf("Wrong passphrase. Enter passphrase for key %s", displayFile(s.file))
		}
		pass, err := s.p.Secret(s.ctx, SecretPrompt{
			Kind: SecretPassphrase, Host: s.host, User: s.user, KeyFile: s.file, Message: msg, Attempt: attempt,
		})
		if err != nil {
			return nil, &promptError{what: "passphrase for " + displayFile(s.file), err: err}
		}
		signer, err := gossh.ParsePrivateKeyWithPassphrase(s.pemBytes, []byte(pass))
		if errors.Is(err, x509.IncorrectPasswordError) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", displayFile(s.file), err)
		}
		if !bytes.Equal(signer.PublicKey().Marshal(), s.pub.Marshal()) {
			return nil, fmt.Errorf("key %s does not match its public key %s.pub", displayFile(s.file), displayFile(s.file))
		}
		s.signer = signer
		return signer, nil
	}
	return nil, &promptError{what: "passphrase for " + displayFile(s.file), err: fmt.Errorf("wrong %d times", passphraseAttempts)}
}
