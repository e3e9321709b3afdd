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

import "errors"

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
