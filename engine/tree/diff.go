package tree

import (
	"slices"
	"strings"
)

// Patch replaces the entry at Path with Entry (nil removes it).
type Patch struct {
	Path  string
	Entry *Entry
}

// Diff returns the patches that turn old into new: one per maximal subtree that
// differs, found by comparing hashes, so its cost follows the size of the change. The
// patches do not nest, and each one's parent is a directory in both trees.
func Diff(old, new *Entry) []Patch {
	var out []Patch
	diff("", old, new, &out)
	return out
}

func diff(path string, old, new *Entry, out *[]Patch) {
	if old == nil && new == nil {
		return
	}
	if old == nil || new == nil || old.Kind != Directory || new.Kind != Directory {
		if !Equal(old, new) {
			*out = append(*out, Patch{Path: path, Entry: new})
		}
		return
	}
	if old.Hash() == new.Hash() {
		return
	}
	names := make([]string, 0, len(new.Contents))
	for name := range new.Contents {
		names = append(names, name)
	}
	for name := range old.Contents {
		if _, ok := new.Contents[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		diff(Join(path, name), old.Contents[name], new.Contents[name], out)
	}
}

// ApplyPatches returns root with the patches applied (root is not modified); each
// directory on the way is copied once, however many patches fall in it. A patch below
// one that leaves no directory at its path is ignored; a missing parent of a patch is
// created empty (as With does).
func ApplyPatches(root *Entry, patches []Patch) *Entry {
	if len(patches) == 0 {
		return root
	}
	t := &patchNode{}
	for _, p := range patches {
		n := t
		for rest := p.Path; rest != ""; {
			var name string
			name, rest, _ = strings.Cut(rest, "/")
			if n.children == nil {
				n.children = map[string]*patchNode{}
			}
			c := n.children[name]
			if c == nil {
				c = &patchNode{}
				n.children[name] = c
			}
			n = c
		}
		n.set, n.entry, n.children = true, p.Entry, nil
	}
	return t.apply(root)
}

// patchNode is a trie of patch paths.
type patchNode struct {
	set      bool
	entry    *Entry
	children map[string]*patchNode
}

func (n *patchNode) apply(e *Entry) *Entry {
	if n.set {
		e = n.entry
		if e == nil || e.Kind != Directory {
			return e // patches below what this one removed or replaced are moot
		}
	}
	if len(n.children) == 0 {
		return e
	}
	contents := make(map[string]*Entry, len(n.children))
	if e != nil && e.Kind == Directory {
		contents = make(map[string]*Entry, len(e.Contents)+len(n.children))
		for k, v := range e.Contents {
			contents[k] = v
		}
	}
	for name, c := range n.children {
		if child := c.apply(contents[name]); child != nil {
			contents[name] = child
		} else {
			delete(contents, name)
		}
	}
	return NewDir(contents)
}
