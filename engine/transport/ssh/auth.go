package ssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// interactiveAttempts is how often a password or keyboard-interactive
// round may be retried, as OpenSSH's NumberOfPasswordPrompts.
const interactiveAttempts = 3

// authSetup is the authentication methods for one connection and what they
// offer, for the message when all of them fail.
type authSetup struct {
	methods []gossh.AuthMethod
	close   func() // releases the ssh-agent connection

	agentNote string   // why ssh-agent offered nothing, if it did not
	agentKeys int      // keys offered from ssh-agent
	files     []string // identity files offered
	skipped   []string // identity files not offered, and why

	mu          sync.Mutex
	interactive []string // interactive methods the server asked through
}

func (a *authSetup) asked(method string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.interactive {
		if m == method {
			return
		}
	}
	a.interactive = append(a.interactive, method)
}

// identity is one IdentityFile.
type identity struct {
	file   string
	pub    gossh.PublicKey // nil if unknown
	signer gossh.Signer    // nil if the key cannot sign here
}

// setupAuth builds the methods in OpenSSH's order: public keys (ssh-agent
// keys, restricted to the identity files' keys if IdentitiesOnly, then the
// identity files not in the agent), keyboard-interactive, password. The
// last two, and encrypted identity files, need a Prompter.
func setupAuth(ctx context.Context, hc *HostConfig, p Prompter) *authSetup {
	a := &authSetup{close: func() {}}
	var ids []identity
	for _, f := range hc.IdentityFiles {
		id, note := loadIdentity(ctx, hc, p, f)
		if note != "" {
			a.skipped = append(a.skipped, note)
		}
		if id.pub != nil {
			ids = append(ids, id)
		}
	}
	signers := a.agentSigners(hc, ids)
	inAgent := map[string]bool{}
	for _, s := range signers {
		inAgent[string(s.PublicKey().Marshal())] = true
	}
	for _, id := range ids {
		if id.signer != nil && !inAgent[string(id.pub.Marshal())] {
			signers = append(signers, id.signer)
			a.files = append(a.files, displayFile(id.file))
		}
	}
	if len(signers) > 0 {
		a.methods = append(a.methods, gossh.PublicKeysCallback(func() ([]gossh.Signer, error) { return signers, nil }))
	}
	if p != nil {
		p = &stickyPrompter{Prompter: p}
		a.methods = append(a.methods,
			gossh.RetryableAuthMethod(gossh.KeyboardInteractive(a.keyboardInteractive(ctx, hc, p)), interactiveAttempts),
			gossh.RetryableAuthMethod(gossh.PasswordCallback(a.password(ctx, hc, p)), interactiveAttempts))
	}
	return a
}

// agentSigners returns the ssh-agent's keys (only those of ids if
// IdentitiesOnly), keeping the agent connection open until a.close.
func (a *authSetup) agentSigners(hc *HostConfig, ids []identity) []gossh.Signer {
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		a.agentNote = "no ssh-agent (SSH_AUTH_SOCK is not set)"
		return nil
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		a.agentNote = fmt.Sprintf("ssh-agent at %s unreachable: %v", sock, err)
		return nil
	}
	a.close = func() { conn.Close() }
	all, err := agent.NewClient(conn).Signers()
	if err != nil {
		a.agentNote = fmt.Sprintf("ssh-agent at %s failed: %v", sock, err)
		return nil
	}
	var out []gossh.Signer
	for _, s := range all {
		if !hc.IdentitiesOnly || hasKey(ids, s.PublicKey()) {
			out = append(out, s)
		}
	}
	a.agentKeys = len(out)
	if len(all) == 0 {
		a.agentNote = "ssh-agent holds no keys"
	} else if len(out) == 0 {
		a.agentNote = "IdentitiesOnly excluded all ssh-agent keys"
	}
	return out
}

func hasKey(ids []identity, k gossh.PublicKey) bool {
	for _, id := range ids {
		if bytes.Equal(id.pub.Marshal(), k.Marshal()) {
			return true
		}
	}
	return false
}

// loadIdentity reads an identity file. A missing file is skipped silently
// (the defaults rarely all exist), unless FILE.pub exists, whose key can
// still select an ssh-agent key. note says why a present file is not used.
func loadIdentity(ctx context.Context, hc *HostConfig, p Prompter, file string) (identity, string) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return identity{file: file, pub: readPublicKey(file + ".pub")}, ""
	}
	if err != nil {
		return identity{}, fmt.Sprintf("%s (cannot be read: %v)", displayFile(file), err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err == nil {
		return identity{file: file, pub: signer.PublicKey(), signer: signer}, ""
	}
	var missing *gossh.PassphraseMissingError
	if errors.As(err, &missing) {
		pub := missing.PublicKey
		if pub == nil {
			pub = readPublicKey(file + ".pub")
		}
		switch {
		case pub == nil:
			return identity{}, fmt.Sprintf("%s (encrypted, and without %s.pub ferry cannot offer it)", displayFile(file), displayFile(file))
		case p == nil:
			return identity{file: file, pub: pub}, fmt.Sprintf("%s (encrypted, and there is no one to ask for its passphrase)", displayFile(file))
		}
		return identity{file: file, pub: pub, signer: &encryptedKeySigner{
			ctx: ctx, p: p, host: hc.Alias, user: hc.User, file: file, pemBytes: data, pub: pub,
		}}, ""
	}
	if pub, _, _, _, perr := gossh.ParseAuthorizedKey(data); perr == nil {
		return identity{file: file, pub: pub}, "" // a public key: selects agent keys only
	}
	return identity{file: file, pub: readPublicKey(file + ".pub")}, fmt.Sprintf("%s (not a key ferry can use: %v)", displayFile(file), err)
}

// readPublicKey reads an authorized_keys-format public key file, or nil.
func readPublicKey(file string) gossh.PublicKey {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	pub, _, _, _, err := gossh.ParseAuthorizedKey(data)
	if err != nil {
		return nil
	}
	return pub
}

func (a *authSetup) keyboardInteractive(ctx context.Context, hc *HostConfig, p Prompter) gossh.KeyboardInteractiveChallenge {
	attempt := 0
	return func(name, instruction string, questions []string, echos []bool) ([]string, error) {
		answers := make([]string, len(questions))
		if len(questions) == 0 {
			return answers, nil
		}
		a.asked("keyboard-interactive")
		attempt++
		for i, q := range questions {
			var parts []string
			for _, s := range []string{name, instruction, q} {
				if s = strings.TrimSpace(s); s != "" {
					parts = append(parts, s)
				}
			}
			ans, err := p.Secret(ctx, SecretPrompt{
				Kind: SecretKeyboardInteractive, Host: hc.Alias, User: hc.User,
				Message: strings.Join(parts, "\n"), Echo: echos[i], Attempt: attempt,
			})
			if err != nil {
				return nil, &promptError{what: "keyboard-interactive answer", err: err}
			}
			answers[i] = ans
		}
		return answers, nil
	}
}

func (a *authSetup) password(ctx context.Context, hc *HostConfig, p Prompter) func() (string, error) {
	attempt := 0
	return func() (string, error) {
		a.asked("password")
		attempt++
		pw, err := p.Secret(ctx, SecretPrompt{
			Kind: SecretPassword, Host: hc.Alias, User: hc.User,
			Message: fmt.Sprintf("%s@%s's password:", hc.User, hc.Alias), Attempt: attempt,
		})
		if err != nil {
			return "", &promptError{what: "password", err: err}
		}
		return pw, nil
	}
}

// stickyPrompter stops asking for secrets once the user declined one, so
// that cancelling the keyboard-interactive prompt does not bring up a
// password prompt next.
type stickyPrompter struct {
	Prompter
	mu  sync.Mutex
	err error
}

func (s *stickyPrompter) Secret(ctx context.Context, p SecretPrompt) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return "", s.err
	}
	v, err := s.Prompter.Secret(ctx, p)
	s.err = err
	return v, err
}

// failure explains an authentication failure: what was offered, what was
// not and why, and what to do.
func (a *authSetup) failure(hc *HostConfig, cause error) error {
	head := fmt.Sprintf("authentication as %s to %s (%s) failed", hc.User, hc.Alias, hc.Address())
	var pe *promptError
	if errors.As(cause, &pe) {
		return newError(ErrAuth, cause, "%s: %s; try again and give the right one, or load your key into ssh-agent (ssh-add)", head, pe.Error())
	}
	var offered []string
	if a.agentKeys > 0 {
		offered = append(offered, fmt.Sprintf("%d key(s) from ssh-agent", a.agentKeys))
	}
	offered = append(offered, a.files...)
	a.mu.Lock()
	offered = append(offered, a.interactive...)
	a.mu.Unlock()
	var b strings.Builder
	b.WriteString(head)
	if len(offered) == 0 {
		b.WriteString(": ferry had no credentials the server would take")
	} else {
		fmt.Fprintf(&b, ": the server accepted none of: %s", strings.Join(offered, ", "))
	}
	var notes []string
	if a.agentKeys == 0 && a.agentNote != "" {
		notes = append(notes, a.agentNote)
	}
	notes = append(notes, a.skipped...)
	if len(a.files) == 0 && len(a.skipped) == 0 {
		notes = append(notes, "no identity file found ("+strings.Join(displayFiles(hc.IdentityFiles), ", ")+")")
	}
	if len(notes) > 0 {
		fmt.Fprintf(&b, "; not offered: %s", strings.Join(notes, "; "))
	}
	fmt.Fprintf(&b, ". Add your public key to ~/.ssh/authorized_keys of %s on the server, load your key into ssh-agent (ssh-add), or name it with IdentityFile for %s in %s",
		hc.User, hc.Alias, displayFile(hc.ConfigFile))
	return newError(ErrAuth, cause, "%s", b.String())
}
