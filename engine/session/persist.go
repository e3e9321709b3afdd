package session

import (
	"bytes"
	"encoding/binary"
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
	specFile     = "session.json"
	ancestorFile = "ancestor"
	// ancestorMagic starts a snapshot: then the sequence number of the last journal
	// record it includes, then the tree. Snapshots of the first format (ancestorMagic1)
	// have no sequence number.
	ancestorMagic  = "ferry-ancestor-2\n"
	ancestorMagic1 = "ferry-ancestor-1\n"
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

// saveAncestor writes a snapshot of the ancestor that includes the journal's records
// up to seq.
func saveAncestor(dir string, anc *tree.Entry, seq uint64) error {
	buf := binary.AppendUvarint([]byte(ancestorMagic), seq)
	buf = tree.Encode(buf, anc)
	return WriteFileAtomic(filepath.Join(dir, ancestorFile), buf, 0o600)
}

// loadAncestor reads the snapshot and the sequence number it was taken at; a session
// without one starts from nothing.
func loadAncestor(dir string) (*tree.Entry, uint64, error) {
	path := filepath.Join(dir, ancestorFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	var seq uint64
	switch {
	case bytes.HasPrefix(data, []byte(ancestorMagic)):
		var n int
		seq, n = binary.Uvarint(data[len(ancestorMagic):])
		if n <= 0 {
			return nil, 0, fmt.Errorf("reading %s: truncated", path)
		}
		data = data[len(ancestorMagic)+n:]
	case bytes.HasPrefix(data, []byte(ancestorMagic1)):
		data = data[len(ancestorMagic1):]
	default:
		return nil, 0, fmt.Errorf("%s is not a ferry ancestor file", path)
	}
	anc, rest, err := tree.Decode(data)
	if err == nil && len(rest) != 0 {
		err = errors.New("trailing bytes")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", path, err)
	}
	return anc, seq, nil
}
