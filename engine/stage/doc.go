// Package stage holds the contents a transition will need before any of them lands:
// a staging area of files named by their digest, filled by reusing identical content
// already under the root or by receiving it from the other side, and the supplier that
// reads files on the sending side.
//
// Invariants:
//   - A file enters the staging area only under the name of its verified digest: what
//     is received or copied is hashed while written, and content that does not match
//     is discarded, never staged.
//   - Staging never writes under the synchronization root; only the transition does.
//   - The staging directory is private to ferry (mode 0700).
package stage
