package watch

import (
	"path"
	"strings"

	"github.com/ferrysync/ferry/engine/ignore"
)

// This file translates FSEvents records into batches. It is pure Go on every system,
// so recorded macOS event sequences are replayed by tests anywhere; the binding that
// produces the records is fsevents_darwin.go.

// FSEventStreamEventFlags, from CoreServices' FSEvents.h.
const (
	fseMustScanSubDirs    = 0x00000001
	fseUserDropped        = 0x00000002
	fseKernelDropped      = 0x00000004
	fseEventIDsWrapped    = 0x00000008
	fseHistoryDone        = 0x00000010
	fseRootChanged        = 0x00000020
	fseMount              = 0x00000040
	fseUnmount            = 0x00000080
	fseItemCreated        = 0x00000100
	fseItemRemoved        = 0x00000200
	fseItemInodeMetaMod   = 0x00000400
	fseItemRenamed        = 0x00000800
	fseItemModified       = 0x00001000
	fseItemFinderInfoMod  = 0x00002000
	fseItemChangeOwner    = 0x00004000
	fseItemXattrMod       = 0x00008000
	fseItemIsFile         = 0x00010000
	fseItemIsDir          = 0x00020000
	fseItemIsSymlink      = 0x00040000
	fseOwnEvent           = 0x00080000
	fseItemIsHardlink     = 0x00100000
	fseItemIsLastHardlink = 0x00200000
	fseItemCloned         = 0x00400000
)

// fseItemChanges are the flags that say something happened to the item at the path.
const fseItemChanges = fseItemCreated | fseItemRemoved | fseItemInodeMetaMod | fseItemRenamed |
	fseItemModified | fseItemFinderInfoMod | fseItemChangeOwner | fseItemXattrMod | fseItemCloned

// fseStructural are the flags after which a directory's whole subtree must be read:
// it appeared (created, moved in, cloned), went away or moved.
const fseStructural = fseItemCreated | fseItemRemoved | fseItemRenamed | fseItemCloned

// fsEvent is one FSEvents record as the callback receives it.
type fsEvent struct {
	Path  string // absolute, symbolic links resolved by the system
	Flags uint32
	ID    uint64
}

// fsTranslator turns FSEvents records into batches for one root.
type fsTranslator struct {
	// roots are the spellings of the root's absolute path: as given, and with symbolic
	// links resolved (FSEvents reports /private/var for /var).
	roots []string
	// markers are the spellings of the marker directory; nil when there is none.
	markers []string
	ignore  *ignore.Matcher
}

// translate reads one callback's records. FSEvents coalesces: one record's flags may
// sum up several changes of its path (created then removed, say), so a flag never
// says what the path is now, only that it must be looked at; the scan decides.
func (t *fsTranslator) translate(events []fsEvent) batch {
	var b batch
	for _, ev := range events {
		t.one(&b, ev)
	}
	return b
}

func (t *fsTranslator) one(b *batch, ev fsEvent) {
	f := ev.Flags
	switch {
	case f&(fseUserDropped|fseKernelDropped) != 0:
		// Events were lost (the client or fseventsd could not keep up).
		b.dropped = true
		return
	case f&fseRootChanged != 0:
		// The root, or a directory on the way to it, was moved, removed or created
		// (kFSEventStreamCreateFlagWatchRoot).
		b.rootChanged = true
		return
	case f&fseHistoryDone != 0 && f&(fseItemChanges|fseMustScanSubDirs) == 0:
		// The end of replayed history: a sentinel that carries no change.
		return
	case f&fseEventIDsWrapped != 0 && f&(fseItemChanges|fseMustScanSubDirs) == 0:
		// The event-id counter wrapped; nothing changed.
		return
	}
	p := cleanEventPath(ev.Path)
	if t.markers != nil {
		if rel, ok := relativeTo(p, t.markers); ok {
			t.marker(b, rel, f)
			return
		}
	}
	rel, ok := relativeTo(p, t.roots)
	if !ok {
		return // above or beside the root
	}
	if rel == "" {
		t.root(b, f)
		return
	}
	k := fsKind(f)
	switch {
	case f&(fseMustScanSubDirs|fseMount|fseUnmount) != 0:
		// Changes below rel were coalesced (or a volume came or went there): re-read
		// all of it.
		if wanted(t.ignore, rel, kindDir) {
			b.mark(rel, true)
		}
	case f&fseItemChanges != 0:
		if wanted(t.ignore, rel, k) {
			b.mark(rel, k != kindFile && (k == kindUnknown || f&fseStructural != 0))
		}
	default:
		// A directory-level record without item flags (a stream without file events,
		// or an old system): something in the directory changed; re-list it.
		if wanted(t.ignore, rel, kindDir) {
			b.mark(rel, false)
		}
	}
}

// root handles a record for the root itself.
func (t *fsTranslator) root(b *batch, f uint32) {
	switch {
	case f&(fseMustScanSubDirs|fseMount|fseUnmount) != 0:
		b.full = true
	case f&(fseItemRemoved|fseItemRenamed|fseItemCreated) != 0:
		// rm -rf of the root reports the root's removal as an item event; a root
		// moved away or made again is the same as RootChanged.
		b.rootChanged = true
	}
	// Anything else (the root's own mode or times) changes nothing that is synced.
}

// marker handles a record in the marker directory.
func (t *fsTranslator) marker(b *batch, rel string, f uint32) {
	switch {
	case f&fseMustScanSubDirs != 0:
		// The marker directory's events were coalesced: a marker's creation may be
		// hidden, and so may be its order; waiting barriers cannot vouch.
		b.dropped = true
	case rel != "" && !strings.Contains(rel, "/") && strings.HasPrefix(rel, markerPrefix) && f&fseItemCreated != 0:
		b.markers = append(b.markers, rel)
	}
}

// fsKind reads the item-type flags; a record that says both file and directory (the
// path changed kind within the coalescing window) says nothing.
func fsKind(f uint32) kind {
	dir := f&fseItemIsDir != 0
	file := f&(fseItemIsFile|fseItemIsSymlink|fseItemIsHardlink) != 0
	switch {
	case dir && !file:
		return kindDir
	case file && !dir:
		return kindFile
	}
	return kindUnknown
}

// cleanEventPath drops the trailing slash FSEvents puts on directory-level paths.
func cleanEventPath(p string) string {
	if p == "" {
		return ""
	}
	return path.Clean(p)
}
