package watch

import (
	"strings"

	"github.com/ferrysync/ferry/engine/ignore"
	"github.com/ferrysync/ferry/engine/scan"
)

// batch is what one delivery of native events means for the dirty set. Backends'
// translations build batches from the system's records (pure, so they are tested on
// any system from recorded sequences); Watcher.record applies them.
type batch struct {
	// dirty maps root-relative paths to whether everything below them must be re-read.
	dirty map[string]bool
	// full: only a full rescan will do.
	full bool
	// dropped: the system lost events; a full rescan is due and barriers waiting now
	// cannot vouch for anything.
	dropped bool
	// rootChanged: the root itself was removed, moved or created; check it.
	rootChanged bool
	// markers are the barrier markers whose creation was seen, by file name.
	markers []string
	// problem is a degradation to report ("" for none).
	problem string
}

// mark adds rel to the dirty set; recursive only ever widens a path's re-read.
func (b *batch) mark(rel string, recursive bool) {
	if b.dirty == nil {
		b.dirty = map[string]bool{}
	}
	b.dirty[rel] = b.dirty[rel] || recursive
}

func (b batch) empty() bool {
	return len(b.dirty) == 0 && !b.full && !b.dropped && !b.rootChanged && len(b.markers) == 0 && b.problem == ""
}

// kind is what an event says about the kind of its path.
type kind uint8

const (
	kindUnknown kind = iota // the event does not say (or said both)
	kindFile                // a file or symbolic link
	kindDir                 // a directory
)

// wanted reports whether a change at rel (root-relative, '/'-separated, not "") is
// reported: not one of ferry's own temporary files, not ignored, and not below an
// ignored directory. A path of unknown kind is left out only if it is ignored as
// a file and as a directory.
func wanted(m *ignore.Matcher, rel string, k kind) bool {
	name := rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		name = rel[i+1:]
	}
	if strings.HasPrefix(name, scan.TempPrefix) {
		return false
	}
	if m == nil {
		return true
	}
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' && m.Ignored(rel[:i], true) {
			return false
		}
	}
	switch k {
	case kindFile:
		return !m.Ignored(rel, false)
	case kindDir:
		return !m.Ignored(rel, true)
	}
	return !(m.Ignored(rel, false) && m.Ignored(rel, true))
}

// relativeTo returns p relative to one of roots (absolute, clean, '/'-separated
// spellings of the same directory), "" for the root itself; ok is false when p lies
// outside all of them. A spelling that matches only without regard to case is
// accepted too: a case-insensitive file system may report the root in its on-disk
// case while the user typed another.
func relativeTo(p string, roots []string) (rel string, ok bool) {
	for pass := 0; pass < 2; pass++ {
		for _, r := range roots {
			if r == "" {
				continue
			}
			if len(p) < len(r) {
				continue
			}
			head := p[:len(r)]
			if pass == 0 && head != r || pass == 1 && !strings.EqualFold(head, r) {
				continue
			}
			rest := p[len(r):]
			switch {
			case rest == "":
				return "", true
			case r == "/":
				return rest, true
			case rest[0] == '/':
				return rest[1:], true
			}
		}
	}
	return "", false
}
