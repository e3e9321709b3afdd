package tree

import (
	"fmt"
	"strings"
)

// Join joins a parent path and a child name ("" is the root).
func Join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}

// Split returns a path's parent and final name; the root's parent is "".
func Split(path string) (parent, name string) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}

// Depth is the number of components in path (0 for the root).
func Depth(path string) int {
	if path == "" {
		return 0
	}
	return strings.Count(path, "/") + 1
}

// ValidPath checks a path received from outside: slash-separated, relative, clean, each
// component a ValidName. The root is "".
func ValidPath(path string) error {
	if path == "" {
		return nil
	}
	for _, c := range strings.Split(path, "/") {
		if !ValidName(c) {
			return fmt.Errorf("invalid path %q: components must be non-empty names without NUL, '.' or '..'", path)
		}
	}
	return nil
}

// HasPrefix reports whether path is prefix or lies below it.
func HasPrefix(path, prefix string) bool {
	if prefix == "" || path == prefix {
		return true
	}
	return strings.HasPrefix(path, prefix) && path[len(prefix)] == '/'
}

// Lookup returns the entry at path below root, or nil if there is none.
func Lookup(root *Entry, path string) *Entry {
	e := root
	for path != "" && e != nil {
		var name string
		name, path, _ = strings.Cut(path, "/")
		if e.Kind != Directory {
			return nil
		}
		e = e.Contents[name]
	}
	return e
}

// With returns a copy of root where the entry at path is replaced by e (nil removes it).
// Directories along the path are copied, never mutated; a missing parent directory is
// created empty for an entry to put there, while removing what is not there returns
// root as it is (no parent is made up for it). Replacing the root itself returns e.
func With(root *Entry, path string, e *Entry) *Entry {
	if path == "" {
		return e
	}
	if e == nil && Lookup(root, path) == nil {
		return root
	}
	name, rest, _ := strings.Cut(path, "/")
	var contents map[string]*Entry
	if root != nil && root.Kind == Directory {
		contents = make(map[string]*Entry, len(root.Contents)+1)
		for k, v := range root.Contents {
			contents[k] = v
		}
	} else {
		contents = make(map[string]*Entry, 1)
	}
	child := With(contents[name], rest, e)
	if child == nil {
		delete(contents, name)
	} else {
		contents[name] = child
	}
	return NewDir(contents)
}

// Walk calls fn for e and every entry below it, parents before children, in no
// particular order among siblings. It stops descending where fn returns false.
func Walk(e *Entry, path string, fn func(path string, e *Entry) bool) {
	if e == nil {
		return
	}
	if !fn(path, e) || e.Kind != Directory {
		return
	}
	for name, c := range e.Contents {
		Walk(c, Join(path, name), fn)
	}
}

// Counts summarizes a tree.
type Counts struct {
	Directories, Files, Symlinks, Untracked uint64
	// TotalFileSize is the sum of file sizes in bytes.
	TotalFileSize uint64
}

// Count returns the number of entries of each kind in the tree (the root included);
// ignored entries count as nothing.
// A directory's counts are cached with its hash.
func Count(e *Entry) Counts {
	if e == nil {
		return Counts{}
	}
	switch e.Kind {
	case Directory:
		return e.summarize().counts
	case File:
		return Counts{Files: 1, TotalFileSize: uint64(e.Size)}
	case Symlink:
		return Counts{Symlinks: 1}
	}
	if e.Ignored() {
		return Counts{}
	}
	return Counts{Untracked: 1}
}

// Plus returns the sum of two counts.
func (c Counts) Plus(o Counts) Counts {
	return Counts{c.Directories + o.Directories, c.Files + o.Files, c.Symlinks + o.Symlinks,
		c.Untracked + o.Untracked, c.TotalFileSize + o.TotalFileSize}
}

// Minus returns c less o.
func (c Counts) Minus(o Counts) Counts {
	return Counts{c.Directories - o.Directories, c.Files - o.Files, c.Symlinks - o.Symlinks,
		c.Untracked - o.Untracked, c.TotalFileSize - o.TotalFileSize}
}
