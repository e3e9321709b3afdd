package scan

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/klauspost/compress/zstd"

	"github.com/ferrysync/ferry/engine/tree"
)

// cacheEntry remembers a file's digest for one version of its metadata.
type cacheEntry struct {
	Key    StatKey
	Digest tree.Digest
}

// Cache maps paths to the digests of the file versions last seen there.
type Cache map[string]cacheEntry

const cacheMagic = "ferry-cache-1\n"

// LoadCache reads a cache written by Save. A missing or unreadable cache is an empty
// one: the cache only saves work, so losing it costs time, never correctness.
func LoadCache(path string) Cache {
	c, err := loadCache(path)
	if err != nil {
		return Cache{}
	}
	return c
}

func loadCache(path string) (Cache, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	r := bufio.NewReader(zr)
	magic := make([]byte, len(cacheMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != cacheMagic {
		return nil, errors.New("not a ferry cache")
	}
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	c := make(Cache, min(n, 1<<20))
	var buf []byte
	for i := uint64(0); i < n; i++ {
		l, err := binary.ReadUvarint(r)
		if err != nil || l > 1<<16 {
			return nil, fmt.Errorf("bad path length")
		}
		buf = slices.Grow(buf[:0], int(l))[:l]
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		var e cacheEntry
		var fixed [8*5 + 4 + 16]byte
		if _, err := io.ReadFull(r, fixed[:]); err != nil {
			return nil, err
		}
		e.Key.Size = int64(binary.LittleEndian.Uint64(fixed[0:]))
		e.Key.ModTime = int64(binary.LittleEndian.Uint64(fixed[8:]))
		e.Key.ChangeTime = int64(binary.LittleEndian.Uint64(fixed[16:]))
		e.Key.Inode = binary.LittleEndian.Uint64(fixed[24:])
		e.Key.Device = binary.LittleEndian.Uint64(fixed[32:])
		e.Key.Mode = fs.FileMode(binary.LittleEndian.Uint32(fixed[40:]))
		copy(e.Digest[:], fixed[44:])
		c[string(buf)] = e
	}
	return c, nil
}

// Save writes the cache to path atomically (temporary file, then rename).
func (c Cache) Save(path string) error {
	paths := make([]string, 0, len(c))
	for p := range c {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("saving cache: %w", err)
	}
	defer os.Remove(tmp)
	zw, err := zstd.NewWriter(f, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		f.Close()
		return err
	}
	w := bufio.NewWriterSize(zw, 1<<16)
	w.WriteString(cacheMagic)
	var buf []byte
	buf = binary.AppendUvarint(buf[:0], uint64(len(paths)))
	w.Write(buf)
	for _, p := range paths {
		e := c[p]
		buf = binary.AppendUvarint(buf[:0], uint64(len(p)))
		buf = append(buf, p...)
		buf = binary.LittleEndian.AppendUint64(buf, uint64(e.Key.Size))
		buf = binary.LittleEndian.AppendUint64(buf, uint64(e.Key.ModTime))
		buf = binary.LittleEndian.AppendUint64(buf, uint64(e.Key.ChangeTime))
		buf = binary.LittleEndian.AppendUint64(buf, e.Key.Inode)
		buf = binary.LittleEndian.AppendUint64(buf, e.Key.Device)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(e.Key.Mode))
		buf = append(buf, e.Digest[:]...)
		w.Write(buf)
	}
	err = errors.Join(w.Flush(), zw.Close(), f.Close())
	if err != nil {
		return fmt.Errorf("saving cache: %w", err)
	}
	return os.Rename(tmp, path)
}
