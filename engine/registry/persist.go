package registry

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// specFile holds a session's specification in its directory.
const specFile = "session.json"

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
