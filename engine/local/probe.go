package local

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/scan"
)

// probeFileSystem finds what the file system holding root can do, by trying it in a
// scratch directory under root whose name scans and watchers skip (scan.TempPrefix),
// removed afterwards. ok is false when root cannot be probed (missing, read-only).
func probeFileSystem(root string) (f endpoint.FileSystem, ok bool) {
	var rnd [6]byte
	rand.Read(rnd[:])
	dir := filepath.Join(root, scan.TempPrefix+"probe-"+hex.EncodeToString(rnd[:]))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return f, false
	}
	defer os.RemoveAll(dir)
	at := func(name string) string { return filepath.Join(dir, name) }
	create := func(name string) error {
		fh, err := os.OpenFile(at(name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			fh.Close()
		}
		return err
	}
	if create("aB") != nil {
		return f, false
	}
	_, err := os.Lstat(at("Ab"))
	f.CaseInsensitive = err == nil

	const nfc, nfd = "\u00e9", "e\u0301"
	if create(nfc) == nil {
		_, err := os.Lstat(at(nfd))
		f.UnicodeInsensitive = err == nil
		names, _ := os.ReadDir(dir)
		for _, n := range names {
			f.NormalizesNames = f.NormalizesNames || n.Name() == nfd
		}
	}

	if os.Chmod(at("aB"), 0o755) == nil && os.Chmod(at("aB"), 0o644) == nil {
		info, err := os.Lstat(at("aB"))
		// Executable bits are real when a file can lose them as well as gain them.
		f.ExecutableBits = err == nil && info.Mode()&0o111 == 0
		if f.ExecutableBits {
			os.Chmod(at("aB"), 0o755)
			info, err = os.Lstat(at("aB"))
			f.ExecutableBits = err == nil && info.Mode()&0o100 != 0
		}
	}
	f.Symlinks = os.Symlink("aB", at("link")) == nil
	f.HardLinks = os.Link(at("aB"), at("hard")) == nil
	if create("src") == nil && create("dst") == nil {
		// Both ways are tried: the system may refuse a rename over a name that exists
		// before it asks the file system (Linux does, for FUSE), which then cannot do
		// a no-replace rename to a free name (EINVAL).
		refused := errors.Is(renameNoReplace(at("src"), at("dst")), fs.ErrExist)
		_, srcErr := os.Lstat(at("src"))
		f.NoReplaceRename = refused && srcErr == nil && renameNoReplace(at("src"), at("free")) == nil
	}
	return f, true
}
