// Package tree holds the engine's picture of a synchronization root: a tree of entries
// (directories, files, symbolic links, and untracked content that is seen but never
// synchronized), the digests that identify file contents, and the binary codec that
// stores trees on disk and carries them over the wire.
//
// Invariants:
//   - Entries are values once built: code that holds an *Entry never mutates it in place;
//     changing a tree means building new entries along the changed path (With does this).
//     (A directory's hash is cached in it on first use; that cache is safe for
//     concurrent use, and is why entries are never copied by value.)
//   - Every name in a tree is a valid path component (ValidName): never empty, ".", "..",
//     and never containing '/' or NUL. Decoding refuses trees that break this, so content
//     from the wire cannot name a path outside the root.
//   - Paths are slash-separated, relative to the root, clean, with "" naming the root.
package tree

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/zeebo/xxh3"
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
	// Target is the symbolic link's target (Symlink), or why content is untracked
	// (Untracked; see Problem).
	Target string
	// Contents maps child names to entries (Directory only; nil means empty).
	Contents map[string]*Entry

	// summary caches a directory's subtree hash and counts, computed on first use.
	summary atomic.Pointer[summary]
}

// summary is what is cached about a directory's subtree.
type summary struct {
	hash   Digest
	counts Counts
}

// Hash identifies an entry with everything below it: equal trees have equal hashes,
// and different trees differ with the probability of an XXH3-128 collision. A
// directory's hash is computed once and cached, so comparing trees that share most of
// their structure costs little.
func (e *Entry) Hash() Digest {
	if e == nil {
		return Digest{}
	}
	if e.Kind == Directory {
		return e.summarize().hash
	}
	h := xxh3.New()
	var buf [32]byte
	buf[0] = byte(e.Kind)
	switch e.Kind {
	case File:
		if e.Executable {
			buf[1] = 1
		}
		binary.LittleEndian.PutUint64(buf[2:], uint64(e.Size))
		copy(buf[10:], e.Digest[:])
		h.Write(buf[:26])
	case Symlink:
		h.Write(buf[:1])
		h.WriteString(e.Target)
	default:
		h.Write(buf[:1])
		h.WriteString(e.Target)
	}
	return Digest(h.Sum128().Bytes())
}

// summarize returns a directory's cached summary, computing it if needed.
func (e *Entry) summarize() *summary {
	if s := e.summary.Load(); s != nil {
		return s
	}
	s := &summary{counts: Counts{Directories: 1}}
	h := xxh3.New()
	var buf [8]byte
	buf[0] = byte(Directory)
	h.Write(buf[:1])
	names := make([]string, 0, len(e.Contents))
	for name := range e.Contents {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		child := e.Contents[name]
		c := child.Hash()
		binary.LittleEndian.PutUint64(buf[:], uint64(len(name)))
		h.Write(buf[:])
		h.WriteString(name)
		h.Write(c[:])
		s.counts = s.counts.Plus(Count(child))
	}
	s.hash = Digest(h.Sum128().Bytes())
	e.summary.Store(s)
	return s
}

// Problem says why untracked content is untracked.
func (e *Entry) Problem() string { return e.Target }

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
	return &Entry{Kind: Untracked, Target: problem}
}

// IgnoredPrefix starts the problem of an untracked entry that an ignore file in the
// tree excludes (a .gitignore, the root's .ferryignore).
const IgnoredPrefix = "ignored by "

// NewIgnored returns the entry for content that the ignore file source excludes: like
// any untracked entry the reconciler leaves its path alone on both sides (so rules
// that change on one side first never delete anything), but it is no problem, and it
// counts as nothing.
func NewIgnored(source string) *Entry {
	return &Entry{Kind: Untracked, Target: IgnoredPrefix + source}
}

// Ignored reports whether e is content an ignore file in the tree excludes.
func (e *Entry) Ignored() bool {
	return e != nil && e.Kind == Untracked && strings.HasPrefix(e.Target, IgnoredPrefix)
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
		return a.Target == b.Target
	}
	return true
}

// Equal reports whether a and b are deeply equal trees (by their hashes).
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
	return len(a.Contents) == len(b.Contents) && a.Hash() == b.Hash()
}

// ValidName reports whether name can be a path component in a tree.
func ValidName(name string) bool {
	if name == "" || name == "." || name == ".." {
		return false
	}
	return !bytes.ContainsAny([]byte(name), "/\x00")
}

// Change replaces the entry at Path on one side of a session: Old is what the scan saw
// there (nil for nothing), New what must be there afterwards (nil to remove it).
//
// With From set, the change is a change of spelling only, on a side that holds From
// and Path as one name (they differ in case or Unicode form): the entry Old at From
// is renamed to Path, and New is Old. Such changes come first in a list, and other
// changes may lie below them.
type Change struct {
	Path     string
	Old, New *Entry
	From     string
}
