package session

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/tree"
)

const (
	ancestorFile = "ancestor"
	// ancestorMagic starts a snapshot: then the sequence number of the last journal
	// record it includes, then the tree. Snapshots of the first format (ancestorMagic1)
	// have no sequence number.
	ancestorMagic  = "ferry-ancestor-2\n"
	ancestorMagic1 = "ferry-ancestor-1\n"
)

func saveSpec(dir string, spec Spec) error { return registry.SaveSpec(dir, spec) }

func loadSpec(dir string) (Spec, error) { return registry.LoadSpec[Spec](dir) }

// saveAncestor writes a snapshot of the ancestor that includes the journal's records
// up to seq.
func saveAncestor(dir string, anc *tree.Entry, seq uint64) error {
	buf := binary.AppendUvarint([]byte(ancestorMagic), seq)
	buf = tree.Encode(buf, anc)
	return registry.WriteFileAtomic(filepath.Join(dir, ancestorFile), buf, 0o600)
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
