package stage

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zeebo/xxh3"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/tree"
)

// minDeltaSize is the smallest base worth a signature: below it, sending the whole
// file costs less than a round of signatures.
const minDeltaSize = 64 << 10

// Area is the staging directory of one endpoint.
type Area struct {
	dir    string
	abs    func(path string) string // resolves a tree path under the root
	needed []endpoint.Needed
}

// NewArea returns an area in dir (created when first needed) for the root whose paths
// abs resolves.
func NewArea(dir string, abs func(string) string) *Area {
	return &Area{dir: dir, abs: abs}
}

// Dir is the staging directory.
func (a *Area) Dir() string { return a.dir }

// Path returns where content with digest d is staged.
func (a *Area) Path(d tree.Digest) string { return filepath.Join(a.dir, d.String()) }

// Has reports whether content with digest d is staged.
func (a *Area) Has(d tree.Digest) bool {
	_, err := os.Lstat(a.Path(d))
	return err == nil
}

// Stage stages what it can from the root (last is the root's last scanned tree) and
// returns what must come from the other side, one entry per distinct digest.
func (a *Area) Stage(ctx context.Context, files []endpoint.StageFile, last *tree.Entry, signatures bool) ([]endpoint.Needed, error) {
	if err := os.MkdirAll(a.dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating staging directory: %w", err)
	}
	var index map[tree.Digest]string
	seen := make(map[tree.Digest]bool, len(files))
	var needed []endpoint.Needed
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if seen[f.Digest] || a.Has(f.Digest) {
			seen[f.Digest] = true
			continue
		}
		seen[f.Digest] = true
		if index == nil {
			index = digestIndex(last)
		}
		if src, ok := index[f.Digest]; ok && a.copyIn(src, f.Digest) == nil {
			continue
		}
		n := endpoint.Needed{Path: f.Path, Digest: f.Digest, Size: f.Size}
		if signatures {
			if base := tree.Lookup(last, f.Path); base != nil && base.Kind == tree.File && base.Size >= minDeltaSize {
				n.Signature = a.sign(f.Path)
			}
		}
		needed = append(needed, n)
	}
	a.needed = needed
	return needed, nil
}

// digestIndex maps each digest in the tree to one path holding it.
func digestIndex(root *tree.Entry) map[tree.Digest]string {
	index := map[tree.Digest]string{}
	tree.Walk(root, "", func(p string, e *tree.Entry) bool {
		if e.Kind == tree.File && e.Size > 0 {
			index[e.Digest] = p
		}
		return true
	})
	return index
}

// copyIn stages a copy of the root's file at src, if it still has digest d.
func (a *Area) copyIn(src string, d tree.Digest) error {
	in, err := os.Open(a.abs(src))
	if err != nil {
		return err
	}
	defer in.Close()
	w, err := a.create(nil)
	if err != nil {
		return err
	}
	buf := bufio.NewWriterSize(w.file, 256<<10)
	if _, err := io.Copy(io.MultiWriter(buf, w.hash), in); err != nil {
		w.abort()
		return err
	}
	if err := buf.Flush(); err != nil {
		w.abort()
		return err
	}
	return w.commit(d)
}

// sign returns the signature of the root's file at p, or nil if it cannot be read.
func (a *Area) sign(p string) *delta.Signature {
	f, err := os.Open(a.abs(p))
	if err != nil {
		return nil
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return nil
	}
	sig, err := delta.Sign(bufio.NewReaderSize(f, 256<<10), info.Size())
	if err != nil {
		return nil
	}
	return sig
}

// Clear removes everything staged.
func (a *Area) Clear() error {
	a.needed = nil
	err := os.RemoveAll(a.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// staging is a file being written into the area.
type staging struct {
	a    *Area
	file *os.File
	hash *xxh3.Hasher
}

// create opens a new incoming file. hash, when not nil, is reset and reused.
func (a *Area) create(hash *xxh3.Hasher) (*staging, error) {
	var rnd [8]byte
	rand.Read(rnd[:])
	f, err := os.OpenFile(filepath.Join(a.dir, ".incoming-"+hex.EncodeToString(rnd[:])), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("staging: %w", err)
	}
	if hash == nil {
		hash = xxh3.New()
	} else {
		hash.Reset()
	}
	return &staging{a: a, file: f, hash: hash}, nil
}

func (s *staging) abort() {
	s.file.Close()
	os.Remove(s.file.Name())
}

// commit verifies the written content against d and, if it matches, stages it.
func (s *staging) commit(d tree.Digest) error {
	name := s.file.Name()
	if err := s.file.Close(); err != nil {
		os.Remove(name)
		return err
	}
	if got := tree.Digest(s.hash.Sum128().Bytes()); got != d {
		os.Remove(name)
		return fmt.Errorf("content changed while it was transferred (digest %s, expected %s)", got, d)
	}
	if err := os.Rename(name, s.a.Path(d)); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}
