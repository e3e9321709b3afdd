package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ferrysync/ferry/engine/tree"
)

// WriteFileAtomic writes data to path through a temporary file that is synced and then
// renamed over path, so readers see the old or the new content, even after a crash.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

const (
	specFile      = "session.json"
	ancestorFile  = "ancestor"
	ancestorMagic = "ferry-ancestor-1\n"
)

func saveSpec(dir string, spec Spec) error { return SaveSpec(dir, spec) }

func loadSpec(dir string) (Spec, error) { return LoadSpec[Spec](dir) }

// SaveSpec writes a session's specification (sync or forward) as JSON to its
// directory, atomically.
func SaveSpec(dir string, spec any) error {
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, specFile), data, 0o600)
}

// LoadSpec reads what SaveSpec wrote.
func LoadSpec[T any](dir string) (T, error) {
	var spec T
	data, err := os.ReadFile(filepath.Join(dir, specFile))
	if err != nil {
		return spec, err
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return spec, fmt.Errorf("reading %s: %w", filepath.Join(dir, specFile), err)
	}
	return spec, nil
}

// saveAncestor persists the ancestor tree.
func saveAncestor(dir string, anc *tree.Entry) error {
	buf := tree.Encode([]byte(ancestorMagic), anc)
	return WriteFileAtomic(filepath.Join(dir, ancestorFile), buf, 0o600)
}

// loadAncestor reads the ancestor; a session without one starts from nothing.
func loadAncestor(dir string) (*tree.Entry, error) {
	data, err := os.ReadFile(filepath.Join(dir, ancestorFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(data) < len(ancestorMagic) || string(data[:len(ancestorMagic)]) != ancestorMagic {
		return nil, fmt.Errorf("%s is not a ferry ancestor file", filepath.Join(dir, ancestorFile))
	}
	anc, rest, err := tree.Decode(data[len(ancestorMagic):])
	if err == nil && len(rest) != 0 {
		err = errors.New("trailing bytes")
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, ancestorFile), err)
	}
	return anc, nil
}
