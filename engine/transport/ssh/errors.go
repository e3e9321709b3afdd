package ssh

import (
	"errors"
	"fmt"
)

// The kinds of failure Resolve and Dial report. Every error they return for
// one of these reasons matches it with errors.Is, and its message says what
// happened and what to do; callers map the kind to a protocol error code
// and show the message as it is.
var (
	// ErrHostKeyUnknown: the server's host key is in no known_hosts file
	// and was not accepted (the user refused, there was no Prompter, or
	// StrictHostKeyChecking is yes).
	ErrHostKeyUnknown = errors.New("host key unknown")
	// ErrHostKeyChanged: known_hosts holds other keys for the host than the
	// one it presented, or revokes that key; ferry refuses to connect.
	ErrHostKeyChanged = errors.New("host key changed")
	// ErrAuth: the server accepted none of the credentials offered.
	ErrAuth = errors.New("authentication failed")
	// ErrUnreachable: no SSH connection came about: the name did not
	// resolve, the connection was refused or timed out, a jump host could
	// not reach the next hop, or the server hung up during the handshake.
	ErrUnreachable = errors.New("host unreachable")
	// ErrConfig: the ssh configuration cannot be read, or asks for
	// something ferry does not do (ProxyCommand).
	ErrConfig = errors.New("ssh configuration")
)

// IsHostKeyUnknown reports whether err is, or wraps, ErrHostKeyUnknown.
func IsHostKeyUnknown(err error) bool { return errors.Is(err, ErrHostKeyUnknown) }

// IsHostKeyChanged reports whether err is, or wraps, ErrHostKeyChanged.
func IsHostKeyChanged(err error) bool { return errors.Is(err, ErrHostKeyChanged) }

// IsAuth reports whether err is, or wraps, ErrAuth.
func IsAuth(err error) bool { return errors.Is(err, ErrAuth) }

// IsUnreachable reports whether err is, or wraps, ErrUnreachable.
func IsUnreachable(err error) bool { return errors.Is(err, ErrUnreachable) }

// IsConfig reports whether err is, or wraps, ErrConfig.
func IsConfig(err error) bool { return errors.Is(err, ErrConfig) }

// kindError is an error of one of the kinds above with a message for the
// user and, optionally, the lower-level cause.
type kindError struct {
	kind  error
	msg   string
	cause error
}

func (e *kindError) Error() string { return e.msg }

func (e *kindError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

func newError(kind, cause error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...), cause: cause}
}

func configError(format string, args ...any) error {
	return newError(ErrConfig, nil, format, args...)
}

// promptError is a secret that could not be had: the Prompter failed (the
// user cancelled) or the answers were wrong. It fails authentication.
type promptError struct {
	what string // "passphrase for ~/.ssh/id_ed25519"
	err  error
}

func (e *promptError) Error() string { return e.what + ": " + e.err.Error() }

func (e *promptError) Unwrap() error { return e.err }
