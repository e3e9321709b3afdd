package ssh

import "context"

// Prompter asks the user to decide or to type a secret, in a terminal or in
// the editor.
//
// Dial calls it one call at a time, possibly from a goroutine of its own
// (x/crypto checks host keys on its key-exchange goroutine), while the SSH
// handshake waits (the server allows about two minutes, LoginGraceTime). An implementation must return promptly with ctx.Err()
// when ctx is done. A nil Prompter means non-interactive: unknown host keys
// are refused unless StrictHostKeyChecking says otherwise, encrypted keys
// are skipped, and password and keyboard-interactive authentication are
// not offered.
type Prompter interface {
	// ConfirmHostKey asks whether to trust a host key that no known_hosts
	// file knows. true records the key in the first user known_hosts
	// file; false or an error refuses the connection.
	ConfirmHostKey(ctx context.Context, p HostKeyPrompt) (bool, error)
	// Secret asks for a key passphrase, a password or the answer to a
	// keyboard-interactive question. An error abandons that method.
	Secret(ctx context.Context, p SecretPrompt) (string, error)
}

// HostKeyPrompt describes an unknown host key.
type HostKeyPrompt struct {
	Host        string // the host as the user named it (ssh-config alias)
	Address     string // host:port connected to
	KeyType     string // e.g. "ssh-ed25519"
	Fingerprint string // e.g. "SHA256:…" (ssh.FingerprintSHA256)
	Message     string // several lines for the user, like OpenSSH's
}

// SecretKind says what a SecretPrompt asks for.
type SecretKind string

// The kinds of secret.
const (
	SecretPassphrase          SecretKind = "passphrase"           // to decrypt a private key file
	SecretPassword            SecretKind = "password"             // the password method
	SecretKeyboardInteractive SecretKind = "keyboard-interactive" // one server question
)

// SecretPrompt describes a secret to ask for.
type SecretPrompt struct {
	Kind    SecretKind
	Host    string // the host as the user named it
	User    string // the remote login name
	KeyFile string // the private key file, for SecretPassphrase
	Message string // the question for the user
	Echo    bool   // the answer may be shown as typed (keyboard-interactive)
	Attempt int    // 1 for the first ask, more after a wrong answer
}
