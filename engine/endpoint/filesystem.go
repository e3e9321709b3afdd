package endpoint

import "strings"

// FileSystem is what a side's file system can hold, as probed when the endpoint
// first saw its root (never assumed from the operating system).
type FileSystem struct {
	// CaseInsensitive: names that differ only in case are one name (macOS and Windows
	// by default, FAT and exFAT).
	CaseInsensitive bool
	// UnicodeInsensitive: the NFC and NFD spellings of a name are one name (APFS, HFS+).
	UnicodeInsensitive bool
	// NormalizesNames: names are stored in another Unicode form than they were given
	// (HFS+ stores NFD), so a scan reads back another spelling.
	NormalizesNames bool
	// ExecutableBits: a file keeps the executable bit it is given (not on FAT, exFAT
	// and Windows, where every file reads alike).
	ExecutableBits bool
	// Symlinks: symbolic links can be created.
	Symlinks bool
	// NoReplaceRename: a rename can refuse to replace what exists (RENAME_NOREPLACE on
	// Linux, RENAME_EXCL on macOS, MoveFileEx on Windows).
	NoReplaceRename bool
	// HardLinks: files can have several names.
	HardLinks bool
}

// Describe lists what the file system does differently from a POSIX one ("" for
// nothing), for people.
func (f FileSystem) Describe() string {
	var d []string
	if f.CaseInsensitive {
		d = append(d, "case-insensitive")
	}
	if f.UnicodeInsensitive {
		d = append(d, "Unicode-normalization-insensitive")
	}
	if f.NormalizesNames {
		d = append(d, "stores names decomposed")
	}
	for _, m := range []struct {
		has  bool
		what string
	}{{f.ExecutableBits, "executable bits"}, {f.Symlinks, "symbolic links"}, {f.NoReplaceRename, "no-replace renames"}, {f.HardLinks, "hard links"}} {
		if !m.has {
			d = append(d, "no "+m.what)
		}
	}
	return strings.Join(d, ", ")
}
