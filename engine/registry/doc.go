// Package registry holds what sync and forward sessions have in common: their
// identifiers and names, labels and selections, their specifications on disk, the
// loop over selected sessions, and state publication to subscribers. It knows nothing
// of synchronization or forwarding.
//
// Invariants:
//   - Identifiers are a kind prefix ("sync", "fwrd"), '_' and 22 random base62
//     characters; a name can never be mistaken for one.
//   - Specifications are written atomically (temporary file, fsync, rename, directory
//     fsync): a crash leaves the old or the new one.
//   - A selection uses exactly one of its forms, and selects sessions in creation
//     order.
//   - Subscribers are called in the order of Publish calls, never concurrently for
//     one publisher.
package registry

import (
	"errors"
	"fmt"
)

// Errors of a registry's selections and names; each message that wraps one says what
// to do.
var (
	// ErrNotFound: a selection matched no session.
	ErrNotFound = errors.New("no such session")
	// ErrExists: a session with that name exists.
	ErrExists = errors.New("session exists")
	// ErrInvalid: a request is malformed.
	ErrInvalid = errors.New("invalid request")
)

// Error is an error of one of the kinds above. Its message is its own text alone (the
// kind is not a prefix of it), and errors.Is matches it to its kind, so the API can
// send the kind as a code and the text as the message.
type Error struct {
	Kind error
	err  error
}

// Errorf returns an Error of kind with the formatted message (%w wraps as in
// fmt.Errorf).
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, err: fmt.Errorf(format, args...)}
}

func (e *Error) Error() string { return e.err.Error() }

// Unwrap returns the kind and the wrapped error, if any.
func (e *Error) Unwrap() []error { return []error{e.Kind, e.err} }
