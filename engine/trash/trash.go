// Package trash keeps what synchronization removes or overwrites on a side, so it can
// be listed and restored: each transition's losses go into a batch directory named by
// its time, mirroring the paths they had under the root.
//
// Invariants:
//   - Keeping never loses the original: a file is moved (rename) or linked into the bin
//     before the root's copy goes; when that is impossible (another file system) it is
//     copied first, and if it cannot be kept at all the caller is told, so it can refuse
//     to remove the original.
//   - Pruning removes whole batches, oldest first, only to respect the limits.
//   - Paths are validated (tree.ValidPath): nothing is read or written outside the bin
//     and the root.
//   - A Bin is used by one goroutine at a time.
package trash

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ferrysync/ferry/engine/tree"
)

// Limits bound a bin. Zero fields take their defaults.
type Limits struct {
	// MaxBytes is the most the bin holds; older batches go first. Default 1 GiB.
	MaxBytes int64
	// MaxAge is how long a batch is kept. Default 7 days.
	MaxAge time.Duration
}

// Defaults of Limits.
const (
	DefaultMaxBytes = 1 << 30
	DefaultMaxAge   = 7 * 24 * time.Hour
)

const batchLayout = "20060102T150405.000000000Z"

// Bin is one side's trash.
type Bin struct {
	dir    string
	limits Limits
	batch  string // the current batch's name, "" before Begin
	kept   bool   // something went into the current batch
	// sizes caches the bytes each batch holds (measured once, then kept up to date),
	// so pruning after each transition does not walk the whole bin.
	sizes map[string]int64
	// now is the clock (time.Now; tests set their own); last is the time of the
	// latest batch, so each batch is named after the one before even on a clock that
	// has not moved (coarse clocks, as on Windows, tick every few milliseconds).
	now  func() time.Time
	last time.Time
}

// Open returns the bin in dir (created when first used).
func Open(dir string, limits Limits) *Bin {
	if limits.MaxBytes == 0 {
		limits.MaxBytes = DefaultMaxBytes
	}
	if limits.MaxAge == 0 {
		limits.MaxAge = DefaultMaxAge
	}
	return &Bin{dir: dir, limits: limits, now: time.Now}
}

// Begin starts a new batch; what is kept until the next Begin goes into it.
func (b *Bin) Begin() {
	t := b.now().UTC()
	if !t.After(b.last) {
		t = b.last.Add(time.Nanosecond)
	}
	b.last = t
	b.batch, b.kept = t.Format(batchLayout), false
}

func (b *Bin) target(rel string) (string, error) {
	if err := tree.ValidPath(rel); err != nil || rel == "" {
		return "", fmt.Errorf("trash: invalid path %q", rel)
	}
	if b.batch == "" {
		b.Begin()
	}
	p := filepath.Join(b.dir, b.batch, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", fmt.Errorf("trash: %w", err)
	}
	// The same path twice in one batch (replaced, then replaced again): keep both.
	if _, err := os.Lstat(p); err == nil {
		var rnd [4]byte
		rand.Read(rnd[:])
		p += ".~" + hex.EncodeToString(rnd[:])
	}
	return p, nil
}

// Move moves the file or link at abs (the root's rel) into the bin. On success abs no
// longer exists.
func (b *Bin) Move(rel, abs string) error {
	dst, err := b.target(rel)
	if err != nil {
		return err
	}
	size := sizeOf(abs)
	err = os.Rename(abs, dst)
	if isCrossDevice(err) {
		if err = copyEntry(abs, dst); err == nil {
			err = os.Remove(abs)
		}
	}
	if err != nil {
		os.Remove(dst)
		return fmt.Errorf("keeping a copy in the trash: %w", err)
	}
	b.added(size)
	return nil
}

// added records size bytes kept in the current batch.
func (b *Bin) added(size int64) {
	b.kept = true
	if b.sizes != nil {
		b.sizes[b.batch] += size
	}
}

func sizeOf(p string) int64 {
	if info, err := os.Lstat(p); err == nil {
		return info.Size()
	}
	return 0
}

// Link keeps the current content of the file at abs (the root's rel) in the bin while
// leaving it in place, so it can then be replaced: a hard link, or a copy where links
// are impossible.
func (b *Bin) Link(rel, abs string) error {
	dst, err := b.target(rel)
	if err != nil {
		return err
	}
	if err = os.Link(abs, dst); err != nil {
		err = copyEntry(abs, dst)
	}
	if err != nil {
		os.Remove(dst)
		return fmt.Errorf("keeping a copy in the trash: %w", err)
	}
	b.added(sizeOf(dst))
	return nil
}

func isCrossDevice(err error) bool {
	var le *os.LinkError
	return errors.As(err, &le) && errors.Is(le.Err, syscall.EXDEV)
}

// copyEntry copies a regular file or a symbolic link.
func copyEntry(src, dst string) error {
	info, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm()|0o200)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// Item is something kept in the bin.
type Item struct {
	// Batch names the transition that removed or replaced it (its time, UTC).
	Batch string
	Time  time.Time
	// Path is where it was under the root; Size its size in bytes.
	Path string
	Size int64
	// Link is set for a symbolic link.
	Link bool
}

// List returns what the bin holds, newest batch first.
func (b *Bin) List() ([]Item, error) {
	batches, err := b.batches()
	if err != nil {
		return nil, err
	}
	var items []Item
	for i := len(batches) - 1; i >= 0; i-- {
		name := batches[i]
		t, _ := time.Parse(batchLayout, name)
		root := filepath.Join(b.dir, name)
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			items = append(items, Item{Batch: name, Time: t, Path: filepath.ToSlash(rel), Size: info.Size(),
				Link: info.Mode()&fs.ModeSymlink != 0})
			return nil
		})
	}
	return items, nil
}

// batches lists batch names, oldest first.
func (b *Bin) batches() ([]string, error) {
	entries, err := os.ReadDir(b.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if _, err := time.Parse(batchLayout, e.Name()); err == nil && e.IsDir() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// ErrNotInTrash is returned by Restore for an item the bin does not hold.
var ErrNotInTrash = errors.New("not in the trash")

// Restore copies an item back to dest (an absolute path that must not exist: nothing
// is ever overwritten by a restore), and returns it.
func (b *Bin) Restore(batch, rel, dest string) error {
	if err := tree.ValidPath(rel); err != nil || rel == "" || strings.ContainsAny(batch, `/\`) || batch == "" || batch == ".." {
		return fmt.Errorf("invalid trash item %q in batch %q", rel, batch)
	}
	src := filepath.Join(b.dir, batch, filepath.FromSlash(rel))
	if _, err := os.Lstat(src); err != nil {
		return fmt.Errorf("%s (batch %s): %w", rel, batch, ErrNotInTrash)
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("%s exists; restore to another path, or move it away first", dest)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(dest), ".ferry-tmp-"+hex.EncodeToString(rnd[:]))
	if err := copyEntry(src, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := noReplaceRename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restoring to %s: %w", dest, err)
	}
	return nil
}

// noReplaceRename renames only if dest does not exist (link, then unlink).
func noReplaceRename(src, dest string) error {
	if err := os.Link(src, dest); err != nil {
		if _, serr := os.Lstat(dest); serr == nil {
			return err
		}
		return os.Rename(src, dest)
	}
	return os.Remove(src)
}

// Prune removes batches older than MaxAge, then the oldest ones until the bin holds at
// most MaxBytes. It keeps the current batch.
func (b *Bin) Prune() error {
	batches, err := b.batches()
	if err != nil {
		return err
	}
	if b.sizes == nil {
		b.sizes = map[string]int64{}
	}
	present := make(map[string]bool, len(batches))
	var total int64
	for _, name := range batches {
		present[name] = true
		if _, ok := b.sizes[name]; !ok {
			b.sizes[name] = measure(filepath.Join(b.dir, name))
		}
		total += b.sizes[name]
	}
	for name := range b.sizes {
		if !present[name] {
			delete(b.sizes, name)
		}
	}
	now := b.now()
	for _, name := range batches {
		if name == b.batch {
			break
		}
		t, _ := time.Parse(batchLayout, name)
		if now.Sub(t) <= b.limits.MaxAge && total <= b.limits.MaxBytes {
			break
		}
		if err := os.RemoveAll(filepath.Join(b.dir, name)); err != nil {
			return err
		}
		total -= b.sizes[name]
		delete(b.sizes, name)
	}
	return nil
}

// measure adds up the sizes of the files below dir.
func measure(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// Kept reports whether the current batch received anything.
func (b *Bin) Kept() bool { return b.kept }
