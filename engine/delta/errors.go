package delta

import "errors"

// Errors for input from the other side of a transfer. Every error this
// package returns for such input wraps one of them; test with errors.Is.
var (
	// ErrMalformed: an encoded Signature or Op, or a Signature handed to
	// Diff, is not well formed.
	ErrMalformed = errors.New("malformed delta encoding")
	// ErrBadOp: an op does not fit the base it is applied to (a block past
	// its end, an empty copy or literal).
	ErrBadOp = errors.New("delta op does not fit the base")
)
