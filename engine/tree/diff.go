package tree

import "slices"

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

// ApplyPatches returns root with the patches applied (root is not modified).
func ApplyPatches(root *Entry, patches []Patch) *Entry {
	for _, p := range patches {
		root = With(root, p.Path, p.Entry)
	}
	return root
}
