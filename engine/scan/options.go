package scan

import (
	"fmt"
	"strings"

	"github.com/ferrysync/ferry/engine/ignore"
)

// SymlinkMode says how symbolic links are treated.
type SymlinkMode uint8

// The symlink modes.
const (
	// SymlinksPortable synchronizes links whose target is relative and stays inside the
	// root; others are untracked.
	SymlinksPortable SymlinkMode = iota
	// SymlinksIgnore leaves every symbolic link out of the tree.
	SymlinksIgnore
	// SymlinksPOSIXRaw synchronizes every link's target as it is.
	SymlinksPOSIXRaw
)

var symlinkModeNames = []string{"portable", "ignore", "posix-raw"}

func (m SymlinkMode) String() string {
	if int(m) < len(symlinkModeNames) {
		return symlinkModeNames[m]
	}
	return fmt.Sprintf("symlink-mode(%d)", uint8(m))
}

// ParseSymlinkMode returns the named mode; "" is portable.
func ParseSymlinkMode(s string) (SymlinkMode, error) {
	if s == "" {
		return SymlinksPortable, nil
	}
	for i, name := range symlinkModeNames {
		if name == s {
			return SymlinkMode(i), nil
		}
	}
	return 0, fmt.Errorf("unknown symlink mode %q: use %s", s, strings.Join(symlinkModeNames, ", "))
}

// Options configure a Scanner. The zero value scans everything with portable symlinks.
type Options struct {
	// Ignore excludes paths; nil excludes nothing.
	Ignore *ignore.Matcher
	// Symlinks says how symbolic links are treated.
	Symlinks SymlinkMode
	// MaxEntries bounds the number of entries in a tree; 0 means no limit.
	MaxEntries uint64
	// CachePath is where the digest cache persists; "" keeps it in memory only.
	CachePath string
	// IgnoreExecutability records every file as not executable (the manual
	// permissions mode: modes are not synchronized).
	IgnoreExecutability bool
	// GitIgnore applies the tree's .gitignore files, each at its own directory and
	// below, and each repository's .git/info/exclude, as git decides; what they
	// exclude is entered as ignored (see tree.NewIgnored). The root's .ferryignore
	// applies either way.
	GitIgnore bool
}

// TempPrefix starts the names of ferry's own temporary files, which scans skip.
const TempPrefix = ".ferry-tmp-"

// MarshalText implements encoding.TextMarshaler.
func (m SymlinkMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *SymlinkMode) UnmarshalText(b []byte) error {
	v, err := ParseSymlinkMode(string(b))
	*m = v
	return err
}
