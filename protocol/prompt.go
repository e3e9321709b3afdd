package protocol

// Requests the server sends to a client that initialized with prompts set, to ask the
// person at the keyboard. A client answers or returns an error; the operation that
// needed the answer then fails with a message saying what to do.
const (
	// RequestHostKey asks whether to trust an SSH host key seen for the first time.
	RequestHostKey = "prompt/hostKey"
	// RequestSecret asks for a passphrase, password or keyboard-interactive answer.
	RequestSecret = "prompt/secret"
)

// HostKeyPrompt describes an unknown host key.
type HostKeyPrompt struct {
	// Host is the host as the user named it; Address is what was dialed.
	Host    string `json:"host"`
	Address string `json:"address"`
	// KeyType is the key's algorithm (ssh-ed25519, ...); Fingerprint its SHA256
	// fingerprint ("SHA256:...").
	KeyType     string `json:"keyType"`
	Fingerprint string `json:"fingerprint"`
	// Message is a sentence to show as is.
	Message string `json:"message"`
}

// HostKeyAnswer answers a HostKeyPrompt.
type HostKeyAnswer struct {
	// Accept trusts the key and records it in known_hosts.
	Accept bool `json:"accept"`
}

// Kinds of secrets.
const (
	SecretPassphrase          = "passphrase"
	SecretPassword            = "password"
	SecretKeyboardInteractive = "keyboard-interactive"
)

// SecretPrompt asks for a secret.
type SecretPrompt struct {
	// Host is the host the secret is for.
	Host string `json:"host"`
	// Kind is passphrase, password or keyboard-interactive.
	Kind string `json:"kind"`
	// Prompt is the question to show ("Password:", "Passphrase for ~/.ssh/id_ed25519:").
	Prompt string `json:"prompt"`
	// Echo says whether the answer may be shown as it is typed.
	Echo bool `json:"echo"`
}

// SecretAnswer answers a SecretPrompt.
type SecretAnswer struct {
	// Value is the secret.
	Value string `json:"value"`
}
