package agentwire

import (
	"encoding/binary"
	"time"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/tree"
)

// AppendString appends a length-prefixed string.
func AppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// AppendBytes appends length-prefixed bytes.
func AppendBytes(b, p []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

// Decoder reads values appended by the Append functions. The first error sticks and
// later reads return zero values.
type Decoder struct {
	b   []byte
	err error
}

// NewDecoder decodes b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Err is the first error met.
func (d *Decoder) Err() error { return d.err }

// Done reports an error if bytes are left over.
func (d *Decoder) Done() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = protoErr("%d trailing bytes", len(d.b))
	}
	return d.err
}

func (d *Decoder) fail(what string) {
	if d.err == nil {
		d.err = protoErr("bad %s", what)
	}
}

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// Count reads a count of items each at least minSize bytes long, rejecting counts the
// remaining input cannot hold.
func (d *Decoder) Count(minSize int) int {
	n := d.Uvarint()
	if d.err == nil && n > uint64(len(d.b)/max(minSize, 1)) {
		d.fail("count")
		return 0
	}
	return int(n)
}

// Byte reads one byte.
func (d *Decoder) Byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail("byte")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// Bytes reads length-prefixed bytes (aliasing the input).
func (d *Decoder) Bytes() []byte {
	n := d.Uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("length")
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// String reads a length-prefixed string.
func (d *Decoder) String() string { return string(d.Bytes()) }

// Path reads a path and validates it.
func (d *Decoder) Path() string {
	p := d.String()
	if d.err == nil && tree.ValidPath(p) != nil {
		d.fail("path")
	}
	if d.err != nil {
		return ""
	}
	return p
}

// Digest reads a digest.
func (d *Decoder) Digest() tree.Digest {
	var dg tree.Digest
	if d.err != nil {
		return dg
	}
	if len(d.b) < len(dg) {
		d.fail("digest")
		return dg
	}
	copy(dg[:], d.b)
	d.b = d.b[len(dg):]
	return dg
}

// Tree reads a tree.
func (d *Decoder) Tree() *tree.Entry {
	if d.err != nil {
		return nil
	}
	e, rest, err := tree.Decode(d.b)
	if err != nil {
		d.err = err
		return nil
	}
	d.b = rest
	return e
}

// AppendStageFiles encodes a Stage request's files.
func AppendStageFiles(b []byte, files []endpoint.StageFile) []byte {
	b = binary.AppendUvarint(b, uint64(len(files)))
	for _, f := range files {
		b = AppendString(b, f.Path)
		b = append(b, f.Digest[:]...)
		b = binary.AppendUvarint(b, uint64(f.Size))
	}
	return b
}

// StageFiles decodes what AppendStageFiles encoded.
func (d *Decoder) StageFiles() []endpoint.StageFile {
	n := d.Count(18)
	files := make([]endpoint.StageFile, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		files = append(files, endpoint.StageFile{Path: d.Path(), Digest: d.Digest(), Size: int64(d.Uvarint())})
	}
	return files
}

// AppendNeeded encodes a list of needed contents.
func AppendNeeded(b []byte, needed []endpoint.Needed) []byte {
	b = binary.AppendUvarint(b, uint64(len(needed)))
	for _, n := range needed {
		b = AppendString(b, n.Path)
		b = append(b, n.Digest[:]...)
		b = binary.AppendUvarint(b, uint64(n.Size))
		if n.Signature == nil {
			b = append(b, 0)
			continue
		}
		sig, _ := n.Signature.MarshalBinary()
		b = append(b, 1)
		b = AppendBytes(b, sig)
	}
	return b
}

// Needed decodes what AppendNeeded encoded.
func (d *Decoder) Needed() []endpoint.Needed {
	n := d.Count(19)
	out := make([]endpoint.Needed, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		nd := endpoint.Needed{Path: d.Path(), Digest: d.Digest(), Size: int64(d.Uvarint())}
		if d.Byte() == 1 {
			sig := new(delta.Signature)
			if err := sig.UnmarshalBinary(d.Bytes()); err != nil && d.err == nil {
				d.err = err
			}
			nd.Signature = sig
		}
		out = append(out, nd)
	}
	return out
}

// AppendChanges encodes changes.
func AppendChanges(b []byte, changes []tree.Change) []byte {
	b = binary.AppendUvarint(b, uint64(len(changes)))
	for _, c := range changes {
		b = AppendString(b, c.Path)
		b = tree.Encode(b, c.Old)
		b = tree.Encode(b, c.New)
		b = AppendString(b, c.From)
	}
	return b
}

// Changes decodes what AppendChanges encoded.
func (d *Decoder) Changes() []tree.Change {
	n := d.Count(4)
	out := make([]tree.Change, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		c := tree.Change{Path: d.Path(), Old: d.Tree(), New: d.Tree()}
		if from := d.Path(); from != "" {
			c.From = from
		}
		out = append(out, c)
	}
	return out
}

// AppendTrees encodes a list of trees.
func AppendTrees(b []byte, trees []*tree.Entry) []byte {
	b = binary.AppendUvarint(b, uint64(len(trees)))
	for _, t := range trees {
		b = tree.Encode(b, t)
	}
	return b
}

// Trees decodes what AppendTrees encoded.
func (d *Decoder) Trees() []*tree.Entry {
	n := d.Count(1)
	out := make([]*tree.Entry, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.Tree())
	}
	return out
}

// AppendProblems encodes problems.
func AppendProblems(b []byte, problems []endpoint.Problem) []byte {
	b = binary.AppendUvarint(b, uint64(len(problems)))
	for _, p := range problems {
		b = AppendString(b, p.Path)
		b = AppendString(b, p.Error)
	}
	return b
}

// Problems decodes what AppendProblems encoded.
func (d *Decoder) Problems() []endpoint.Problem {
	n := d.Count(2)
	out := make([]endpoint.Problem, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, endpoint.Problem{Path: d.String(), Error: d.String()})
	}
	return out
}

// AppendTrash encodes trash items.
func AppendTrash(b []byte, items []endpoint.TrashItem) []byte {
	b = binary.AppendUvarint(b, uint64(len(items)))
	for _, it := range items {
		b = AppendString(b, it.Batch)
		b = AppendString(b, it.Path)
		b = binary.AppendUvarint(b, uint64(it.Size))
		link := byte(0)
		if it.Link {
			link = 1
		}
		b = append(b, link)
		b = binary.AppendVarint(b, it.Time.UnixNano())
	}
	return b
}

// Trash decodes what AppendTrash encoded.
func (d *Decoder) Trash() []endpoint.TrashItem {
	n := d.Count(5)
	out := make([]endpoint.TrashItem, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		it := endpoint.TrashItem{Batch: d.String(), Path: d.Path(), Size: int64(d.Uvarint()), Link: d.Byte() == 1}
		it.Time = time.Unix(0, d.varint()).UTC()
		out = append(out, it)
	}
	return out
}

func (d *Decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// AppendPatches encodes tree patches.
func AppendPatches(b []byte, patches []tree.Patch) []byte {
	b = binary.AppendUvarint(b, uint64(len(patches)))
	for _, p := range patches {
		b = AppendString(b, p.Path)
		b = tree.Encode(b, p.Entry)
	}
	return b
}

// Patches decodes what AppendPatches encoded. Patches must not nest (a hostile list
// could otherwise grow a tree without bound through repeated paths).
func (d *Decoder) Patches() []tree.Patch {
	n := d.Count(2)
	out := make([]tree.Patch, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, tree.Patch{Path: d.Path(), Entry: d.Tree()})
	}
	return out
}

// File system flags (AppendFileSystem).
const (
	fsProbed = 1 << iota
	fsCaseInsensitive
	fsUnicodeInsensitive
	fsNormalizesNames
	fsExecutableBits
	fsSymlinks
	fsNoReplaceRename
	fsHardLinks
)

// AppendFileSystem encodes a probed file system (nil: not probed) as a flags byte.
func AppendFileSystem(b []byte, f *endpoint.FileSystem) []byte {
	if f == nil {
		return append(b, 0)
	}
	v := byte(fsProbed)
	for _, flag := range []struct {
		on  bool
		bit byte
	}{{f.CaseInsensitive, fsCaseInsensitive}, {f.UnicodeInsensitive, fsUnicodeInsensitive}, {f.NormalizesNames, fsNormalizesNames},
		{f.ExecutableBits, fsExecutableBits}, {f.Symlinks, fsSymlinks}, {f.NoReplaceRename, fsNoReplaceRename}, {f.HardLinks, fsHardLinks}} {
		if flag.on {
			v |= flag.bit
		}
	}
	return append(b, v)
}

// FileSystem decodes what AppendFileSystem encoded.
func (d *Decoder) FileSystem() *endpoint.FileSystem {
	v := d.Byte()
	if v&fsProbed == 0 {
		return nil
	}
	return &endpoint.FileSystem{CaseInsensitive: v&fsCaseInsensitive != 0, UnicodeInsensitive: v&fsUnicodeInsensitive != 0,
		NormalizesNames: v&fsNormalizesNames != 0, ExecutableBits: v&fsExecutableBits != 0, Symlinks: v&fsSymlinks != 0,
		NoReplaceRename: v&fsNoReplaceRename != 0, HardLinks: v&fsHardLinks != 0}
}

// AppendContents encodes whole file contents.
func AppendContents(b []byte, contents []endpoint.Content) []byte {
	b = binary.AppendUvarint(b, uint64(len(contents)))
	for _, c := range contents {
		b = append(b, c.Digest[:]...)
		b = AppendBytes(b, c.Data)
	}
	return b
}

// Contents decodes what AppendContents encoded.
func (d *Decoder) Contents() []endpoint.Content {
	n := d.Count(17)
	out := make([]endpoint.Content, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, endpoint.Content{Digest: d.Digest(), Data: d.Bytes()})
	}
	return out
}
