package watch

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/ferrysync/ferry/engine/ignore"
)

// This file decodes and translates ReadDirectoryChangesW results. It is pure Go on
// every system, so recorded Windows buffers are replayed by tests anywhere; the
// binding that reads them is rdcw_windows.go.

// FILE_NOTIFY_INFORMATION actions, from winnt.h.
const (
	fileActionAdded       = 1
	fileActionRemoved     = 2
	fileActionModified    = 3
	fileActionRenamedOld  = 4
	fileActionRenamedNew  = 5
	fileNotifyHeaderBytes = 12 // NextEntryOffset, Action, FileNameLength
)

// dirChange is one FILE_NOTIFY_INFORMATION record: an action and a name relative to
// the watched directory, '\'-separated.
type dirChange struct {
	Action uint32
	Name   string
}

// parseNotify decodes a buffer of FILE_NOTIFY_INFORMATION records (little-endian:
// DWORD NextEntryOffset, DWORD Action, DWORD FileNameLength in bytes, then the name
// in UTF-16, not NUL-terminated). A malformed buffer is an error: the caller must
// treat its changes as lost.
func parseNotify(buf []byte) ([]dirChange, error) {
	var out []dirChange
	for off := 0; ; {
		if len(buf)-off < fileNotifyHeaderBytes {
			return out, fmt.Errorf("notification record at %d is truncated", off)
		}
		next := binary.LittleEndian.Uint32(buf[off:])
		action := binary.LittleEndian.Uint32(buf[off+4:])
		n := int(binary.LittleEndian.Uint32(buf[off+8:]))
		start := off + fileNotifyHeaderBytes
		if n%2 != 0 || n > len(buf)-start {
			return out, fmt.Errorf("notification record at %d has a bad name length %d", off, n)
		}
		units := make([]uint16, n/2)
		for i := range units {
			units[i] = binary.LittleEndian.Uint16(buf[start+2*i:])
		}
		out = append(out, dirChange{Action: action, Name: string(utf16.Decode(units))})
		if next == 0 {
			return out, nil
		}
		if next%4 != 0 || int(next) < fileNotifyHeaderBytes+n || int(next) > len(buf)-off {
			return out, fmt.Errorf("notification record at %d has a bad next offset %d", off, next)
		}
		off += int(next)
	}
}

// rdcwTranslator turns the root's records into batches.
type rdcwTranslator struct {
	ignore *ignore.Matcher
}

// translate reads one buffer's records from the recursive watch on the root. The
// records do not say whether a path is a directory: like inotify's creations, every
// appearance (created, renamed to) is re-read recursively, and the scan decides.
func (t rdcwTranslator) translate(changes []dirChange) batch {
	var b batch
	for _, c := range changes {
		rel := winRel(c.Name)
		if rel == "" {
			continue
		}
		// ReadDirectoryChangesW may report the 8.3 short name of a path opened by it
		// (PROGRA~1): the scan would not find that name in the tree. Re-list the
		// parent instead, whose listing has the long names.
		if i := shortComponent(rel); i >= 0 {
			parent := strings.TrimSuffix(rel[:i], "/")
			if parent == "" {
				b.full = true
			} else if wanted(t.ignore, parent, kindDir) {
				b.mark(parent, false)
			}
			continue
		}
		if !wanted(t.ignore, rel, kindUnknown) {
			continue
		}
		switch c.Action {
		case fileActionAdded, fileActionRenamedNew:
			b.mark(rel, true)
		case fileActionRemoved, fileActionRenamedOld, fileActionModified:
			b.mark(rel, false)
		default:
			b.mark(rel, true) // an action this code does not know: look at everything
		}
	}
	return b
}

// rootNamed reports whether records from the watch on the root's parent concern the
// root's own name (compared as Windows does, without regard to case): the root was
// removed, renamed away, or made again, and the root's handle no longer watches the
// directory at the root's path.
func rootNamed(changes []dirChange, base string) bool {
	for _, c := range changes {
		if c.Action == fileActionModified {
			continue
		}
		if strings.EqualFold(winRel(c.Name), base) {
			return true
		}
	}
	return false
}

// winRel turns a record's name into a root-relative '/'-separated path.
func winRel(name string) string {
	return strings.Trim(strings.ReplaceAll(name, `\`, "/"), "/")
}

// shortComponent returns the offset in rel of the first component that looks like a
// generated 8.3 short name (at most 8 characters, a '~' followed by digits, an
// extension of at most 3, no lower-case letters), or -1.
func shortComponent(rel string) int {
	off := 0
	for _, c := range strings.Split(rel, "/") {
		if looksShort(c) {
			return off
		}
		off += len(c) + 1
	}
	return -1
}

func looksShort(c string) bool {
	base, ext, _ := strings.Cut(c, ".")
	if len(base) == 0 || len(base) > 8 || len(ext) > 3 || strings.Contains(ext, ".") {
		return false
	}
	tilde := strings.IndexByte(base, '~')
	if tilde < 0 || tilde == len(base)-1 {
		return false
	}
	for _, r := range base[tilde+1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return strings.ToUpper(c) == c
}
