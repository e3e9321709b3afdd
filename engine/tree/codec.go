package tree

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// The binary form of a tree, used for ancestors on disk and scans on the wire:
//
//	entry     = kind:byte body
//	file      = flags:byte size:uvarint digest:16 bytes      (flags bit 0: executable)
//	symlink   = target:string
//	untracked = problem:string
//	directory = count:uvarint { name:string entry }          (names in ascending order)
//	string    = length:uvarint bytes
//
// A nil tree is the single byte 0. Children are sorted so equal trees encode equally.

const (
	maxStringLen = 1 << 16 // names and link targets; far above any file system's limit
	maxDepth     = 1024
)

// Encode appends the binary form of e to buf.
func Encode(buf []byte, e *Entry) []byte {
	if e == nil {
		return append(buf, 0)
	}
	buf = append(buf, byte(e.Kind))
	switch e.Kind {
	case File:
		var flags byte
		if e.Executable {
			flags = 1
		}
		buf = append(buf, flags)
		buf = binary.AppendUvarint(buf, uint64(e.Size))
		buf = append(buf, e.Digest[:]...)
	case Symlink:
		buf = appendString(buf, e.Target)
	case Untracked:
		buf = appendString(buf, e.Target)
	case Directory:
		names := make([]string, 0, len(e.Contents))
		for name := range e.Contents {
			names = append(names, name)
		}
		slices.Sort(names)
		buf = binary.AppendUvarint(buf, uint64(len(names)))
		for _, name := range names {
			buf = appendString(buf, name)
			buf = Encode(buf, e.Contents[name])
		}
	}
	return buf
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// ErrCorrupt is wrapped by every decoding failure.
var ErrCorrupt = errors.New("corrupt tree encoding")

// Decode parses a tree produced by Encode and returns it with the bytes that follow it.
// It validates every name and never allocates more than the input can describe, so
// hostile input yields an error, not a panic or an exhausted heap.
func Decode(data []byte) (*Entry, []byte, error) {
	d := decoder{data: data}
	e, err := d.entry(0)
	if err != nil {
		return nil, nil, err
	}
	return e, d.data, nil
}

type decoder struct{ data []byte }

func (d *decoder) fail(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

func (d *decoder) byte() (byte, error) {
	if len(d.data) == 0 {
		return 0, d.fail("truncated")
	}
	b := d.data[0]
	d.data = d.data[1:]
	return b, nil
}

func (d *decoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.data)
	if n <= 0 {
		return 0, d.fail("bad varint")
	}
	d.data = d.data[n:]
	return v, nil
}

func (d *decoder) string() (string, error) {
	n, err := d.uvarint()
	if err != nil {
		return "", err
	}
	if n > maxStringLen || n > uint64(len(d.data)) {
		return "", d.fail("string of %d bytes", n)
	}
	s := string(d.data[:n])
	d.data = d.data[n:]
	return s, nil
}

func (d *decoder) entry(depth int) (*Entry, error) {
	if depth > maxDepth {
		return nil, d.fail("deeper than %d levels", maxDepth)
	}
	k, err := d.byte()
	if err != nil {
		return nil, err
	}
	switch Kind(k) {
	case 0:
		return nil, nil
	case File:
		flags, err := d.byte()
		if err != nil {
			return nil, err
		}
		if flags > 1 {
			return nil, d.fail("unknown file flags %#x", flags)
		}
		size, err := d.uvarint()
		if err != nil {
			return nil, err
		}
		if size > 1<<62 {
			return nil, d.fail("file size %d", size)
		}
		if len(d.data) < 16 {
			return nil, d.fail("truncated digest")
		}
		e := NewFile(int64(size), Digest(d.data[:16]), flags == 1)
		d.data = d.data[16:]
		return e, nil
	case Symlink:
		target, err := d.string()
		if err != nil {
			return nil, err
		}
		return NewSymlink(target), nil
	case Untracked:
		problem, err := d.string()
		if err != nil {
			return nil, err
		}
		return NewUntracked(problem), nil
	case Directory:
		return d.directory(depth)
	}
	return nil, d.fail("unknown entry kind %d", k)
}

func (d *decoder) directory(depth int) (*Entry, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	// Each child takes at least three bytes (name length, one name byte, kind).
	if n > uint64(len(d.data))/3 {
		return nil, d.fail("directory of %d entries in %d bytes", n, len(d.data))
	}
	if n == 0 {
		return NewDir(nil), nil
	}
	contents := make(map[string]*Entry, n)
	prev := ""
	for i := uint64(0); i < n; i++ {
		name, err := d.string()
		if err != nil {
			return nil, err
		}
		if !ValidName(name) {
			return nil, d.fail("invalid name %q", name)
		}
		if i > 0 && name <= prev {
			return nil, d.fail("names out of order or repeated at %q", name)
		}
		prev = name
		child, err := d.entry(depth + 1)
		if err != nil {
			return nil, err
		}
		if child == nil {
			return nil, d.fail("nil child %q", name)
		}
		contents[name] = child
	}
	return NewDir(contents), nil
}
