// Package tree holds the engine's picture of a synchronization root: a tree of entries
// (directories, files, symbolic links, and untracked content that is seen but never
// synchronized), the digests that identify file contents, and the binary codec that
// stores trees on disk and carries them over the wire.
//
// Invariants:
//   - Entries are values once built: code that holds an *Entry never mutates it in place;
//     changing a tree means building new entries along the changed path (With does this).
//   - Every name in a tree is a valid path component (ValidName): never empty, ".", "..",
//     and never containing '/' or NUL. Decoding refuses trees that break this, so content
//     from the wire cannot name a path outside the root.
//   - Paths are slash-separated, relative to the root, clean, with "" naming the root.
package tree

import (
	"bytes"
	"encoding/hex"
	"fmt"
)

// Kind is the type of an entry.
type Kind uint8

// The kinds of entries. Untracked marks content that exists but is never synchronized
// (sockets, devices, unreadable files, symbolic links the symlink mode refuses); the
// reconciler leaves such paths alone on both sides.
const (
	Directory Kind = iota + 1
	File
	Symlink
	Untracked
)

func (k Kind) String() string {
	switch k {
	case Directory:
		return "directory"
	case File:
		return "file"
	case Symlink:
		return "symlink"
	case Untracked:
		return "untracked"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Digest identifies file contents: XXH3-128 of the bytes.
type Digest [16]byte

func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// Entry is a node of a tree. Which fields are meaningful depends on Kind.
type Entry struct {
	Kind Kind
	// Executable is the file's executable bit (File only).
	Executable bool
	// Size is the file's length in bytes (File only).
	Size int64
	// Digest identifies the file's contents (File only).
	Digest Digest
	// Target is the symbolic link's target (Symlink only).
	Target string
	// Problem says why content is untracked (Untracked only).
	Problem string
	// Contents maps child names to entries (Directory only; nil means empty).
	Contents map[string]*Entry
}

// NewDir returns a directory entry holding the given children.
func NewDir(children map[string]*Entry) *Entry {
	return &Entry{Kind: Directory, Contents: children}
}

// NewFile returns a file entry.
func NewFile(size int64, digest Digest, executable bool) *Entry {
	return &Entry{Kind: File, Size: size, Digest: digest, Executable: executable}
}

// NewSymlink returns a symbolic link entry.
func NewSymlink(target string) *Entry {
	return &Entry{Kind: Symlink, Target: target}
}

// NewUntracked returns an entry for content that is seen but not synchronized.
func NewUntracked(problem string) *Entry {
	return &Entry{Kind: Untracked, Problem: problem}
}

// ShallowEqual reports whether a and b are the same entry, ignoring directory contents.
// Two nil entries are equal.
func ShallowEqual(a, b *Entry) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case File:
		return a.Executable == b.Executable && a.Size == b.Size && a.Digest == b.Digest
	case Symlink:
		return a.Target == b.Target
	case Untracked:
		return a.Problem == b.Problem
	}
	return true
}

// Equal reports whether a and b are deeply equal trees.
func Equal(a, b *Entry) bool {
	if a == b {
		return true
	}
	if !ShallowEqual(a, b) {
		return false
	}
	if a.Kind != Directory {
		return true
	}
	if len(a.Contents) != len(b.Contents) {
		return false
	}
	for name, ac := range a.Contents {
		bc, ok := b.Contents[name]
		if !ok || !Equal(ac, bc) {
			return false
		}
	}
	return true
}

// ValidName reports whether name can be a path component in a tree.
func ValidName(name string) bool {
	if name == "" || name == "." || name == ".." {
		return false
	}
	return !bytes.ContainsAny([]byte(name), "/\x00")
}
