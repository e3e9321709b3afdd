package transition

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ferrysync/ferry/engine/endpoint"
)

// SetFileSystem tells the transitioner what the root's file system can do, as probed.
func (t *Transitioner) SetFileSystem(f endpoint.FileSystem) { t.fs, t.probed = f, true }

// rename moves src to dst; with noReplace it never replaces anything at dst. Where
// the file system has neither a no-replace rename nor hard links (FAT, exFAT, some
// network shares), the name is claimed first (see claimRename).
func (t *Transitioner) rename(src, dst string, noReplace bool) error {
	if noReplace && t.probed && !t.fs.NoReplaceRename && !t.fs.HardLinks {
		return claimRename(src, dst)
	}
	err := rename(src, dst, noReplace)
	if noReplace && isUnsupported(err) {
		return claimRename(src, dst)
	}
	return err
}

// claimRename renames src to dst without replacing anything a user made at dst, on a
// file system that cannot refuse to replace in a rename: an exclusive create claims
// the name (atomic on every file system), then the content is renamed over the claim,
// provided dst is still the file created. For that moment an empty file stands at dst.
func claimRename(src, dst string) error {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &os.LinkError{Op: "rename", Old: src, New: dst, Err: fs.ErrExist}
		}
		return err
	}
	claimed, err := f.Stat()
	f.Close()
	if err != nil {
		os.Remove(dst)
		return err
	}
	if cur, err := os.Lstat(dst); err != nil || !os.SameFile(cur, claimed) {
		// Someone replaced the claim already: what is there now is theirs.
		return &os.LinkError{Op: "rename", Old: src, New: dst, Err: fs.ErrExist}
	}
	if err := os.Rename(src, dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("placing over the claimed name: %w", err)
	}
	return nil
}
