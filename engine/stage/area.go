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
	"strings"
	"sync"

	"github.com/zeebo/xxh3"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/tree"
)

// reuseFrom is the smallest file for which the area first builds its index of what
// the root holds, to copy content found there instead of receiving it.
const reuseFrom = 64 << 10

// minDeltaSize is the smallest base worth a signature: below it, sending the whole
// file costs less than a round of signatures.
const minDeltaSize = 64 << 10

// Area is the staging directory of one endpoint. Which file holds which content is
// kept in memory. Staged files are named for the digest they are meant to hold
// (digest-random), so content staged by a process that was stopped or killed is
// found again when the area is first used; such a file is hashed before it is
// used, and taken only if it holds exactly that digest, so nothing half-written is
// ever taken for verified content.
type Area struct {
	dir    string
	abs    func(path string) string // resolves a tree path under the root
	needed []endpoint.Needed

	// index maps digests to a path holding them in the root, for staging by local copy;
	// indexed is the tree it reflects. It is updated from tree diffs, so its cost
	// follows what changed; entries may be stale (a copy is verified by its digest).
	index   map[tree.Digest]string
	indexed *tree.Entry

	mu        sync.Mutex
	ready     bool                   // the directory was looked through and created
	staged    map[tree.Digest]string // verified content: digest -> file in dir
	found     map[tree.Digest]string // left by an earlier process, not yet verified
	shardMade [shards]bool
	// syncEach: the content being staged is synced file by file as it is written
	// (a few files: cheaper than syncing the whole file system); unsynced counts what
	// was staged without, which Flush makes durable with one syncfs; dirty are the
	// shard directories written since the last Flush.
	syncEach bool
	unsynced int
	dirty    map[string]bool
	// syncFile makes a staged file's data durable (syncData; tests count the calls).
	syncFile func(*os.File) error

	// The reception: what the last Stage listed to come from the other side. pending
	// holds the digests not yet staged or given up on; receiving is set from a Stage
	// that listed any until its receiver closes, attached while that receiver exists;
	// wake is closed (and replaced) when pending shrinks, for Await.
	pending   map[tree.Digest]bool
	receiving bool
	attached  bool
	reception uint64 // counts Stage calls: which reception a receiver serves
	wake      chan struct{}
	// wanted counts, per content, the paths the last Stage listed it for that have
	// not had it landed yet (a pipelined cycle lands them over several transitions).
	wanted map[tree.Digest]int
}

// syncEachMax is the most files a staging makes durable one by one (fdatasync while
// they are written, then their directories); more are made durable with one sync of
// the staging area's file system, which costs what all pending writes there cost,
// the area's and everyone else's.
const syncEachMax = 128

// Durability reports what Flush must do to make the staged content durable: nothing
// (all = false, dirs empty), sync the listed directories, or sync the whole file
// system (all). It resets the record.
func (a *Area) Durability() (all bool, dirs []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	all = a.unsynced > 0
	for d := range a.dirty {
		dirs = append(dirs, d)
	}
	a.unsynced, a.dirty = 0, nil
	return all, dirs
}

// NewArea returns an area in dir (created when first needed) for the root whose paths
// abs resolves.
func NewArea(dir string, abs func(string) string) *Area {
	return &Area{dir: dir, abs: abs, staged: map[tree.Digest]string{}, syncFile: syncData}
}

// Dir is the staging directory.
func (a *Area) Dir() string { return a.dir }

// Path returns the file holding content with digest d, or "" if none is staged.
func (a *Area) Path(d tree.Digest) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.staged[d]
}

// Has reports whether content with digest d is staged.
func (a *Area) Has(d tree.Digest) bool { return a.Path(d) != "" }

// Taken records that the staged file for d was moved away (into the root).
func (a *Area) Taken(d tree.Digest) {
	a.mu.Lock()
	delete(a.staged, d)
	a.mu.Unlock()
}

// Landed records that content d was landed at one of the paths the last Stage listed
// it for.
func (a *Area) Landed(d tree.Digest) {
	a.mu.Lock()
	if n, ok := a.wanted[d]; ok {
		if n <= 1 {
			delete(a.wanted, d)
		} else {
			a.wanted[d] = n - 1
		}
	}
	a.mu.Unlock()
}

// Uses returns how many paths the last Stage listed content d for that have not had
// it landed yet: a transition landing fewer keeps the staged file for the others.
func (a *Area) Uses(d tree.Digest) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.wanted[d]
}

// Wanted reports whether the area holds, or is receiving, contents the last Stage
// listed that are still to land somewhere: clearing it now would lose them.
func (a *Area) Wanted() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.receiving || len(a.wanted) > 0
}

// prepare creates the directory on first use and notes what an earlier process
// staged there; anything else found there is removed.
func (a *Area) prepare() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ready {
		return nil
	}
	if err := os.MkdirAll(a.dir, 0o700); err != nil {
		return fmt.Errorf("creating the staging directory: %w", err)
	}
	a.found = map[tree.Digest]string{}
	entries, err := os.ReadDir(a.dir)
	if err != nil {
		return fmt.Errorf("reading the staging directory: %w", err)
	}
	for _, shard := range entries {
		dir := filepath.Join(a.dir, shard.Name())
		files, err := os.ReadDir(dir)
		if !shard.IsDir() || err != nil {
			os.RemoveAll(dir)
			continue
		}
		for _, f := range files {
			p := filepath.Join(dir, f.Name())
			d, ok := digestOfName(f.Name())
			if _, dup := a.found[d]; !ok || dup || !f.Type().IsRegular() {
				os.RemoveAll(p)
				continue
			}
			a.found[d] = p
		}
	}
	a.ready = true
	return nil
}

// digestOfName parses the digest a staged file's name declares.
func digestOfName(name string) (tree.Digest, bool) {
	var d tree.Digest
	h, _, ok := strings.Cut(name, "-")
	if !ok || len(h) != 2*len(d) {
		return d, false
	}
	if _, err := hex.Decode(d[:], []byte(h)); err != nil {
		return d, false
	}
	return d, true
}

// adopt takes content an earlier process staged for d, if its file still holds
// exactly that content; a file that does not is removed.
func (a *Area) adopt(d tree.Digest, size int64) bool {
	a.mu.Lock()
	p, ok := a.found[d]
	delete(a.found, d)
	a.mu.Unlock()
	if !ok {
		return false
	}
	if !holds(p, d, size) {
		os.Remove(p)
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.staged[d] = p
	return true
}

// holds reports whether the file at p has the given size and digest.
func holds(p string, d tree.Digest, size int64) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() || info.Size() != size {
		return false
	}
	h := xxh3.New()
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{f}, make([]byte, 128<<10)); err != nil {
		return false
	}
	return tree.Digest(h.Sum128().Bytes()) == d
}

// Stage stages what it can from the root (last is the root's last scanned tree) and
// returns what must come from the other side, one entry per distinct digest.
func (a *Area) Stage(ctx context.Context, files []endpoint.StageFile, last *tree.Entry, signatures bool) ([]endpoint.Needed, error) {
	if err := a.prepare(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.syncEach = len(files) <= syncEachMax
	a.mu.Unlock()
	indexReady := false
	seen := make(map[tree.Digest]bool, len(files))
	var needed []endpoint.Needed
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if seen[f.Digest] || a.Has(f.Digest) || a.adopt(f.Digest, f.Size) {
			seen[f.Digest] = true
			continue
		}
		seen[f.Digest] = true
		// The index of the root's contents is built for the first large file (it
		// costs a walk of the whole tree once, then only what changed): a small file
		// costs less to send than that walk.
		if !indexReady && (a.index != nil || f.Size >= reuseFrom) {
			a.updateIndex(last)
			indexReady = true
		}
		if src, ok := a.index[f.Digest]; ok && a.copyIn(src, f.Digest) == nil {
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
	wanted := make(map[tree.Digest]int, len(seen))
	for _, f := range files {
		wanted[f.Digest]++
	}
	a.mu.Lock()
	a.needed = needed
	a.wanted = wanted
	a.pending = make(map[tree.Digest]bool, len(needed))
	for _, n := range needed {
		a.pending[n.Digest] = true
	}
	a.receiving, a.attached = len(needed) > 0, false
	a.reception++
	a.notifyLocked()
	a.mu.Unlock()
	return needed, nil
}

// Await returns once none of digests is still to come from the reception the last
// Stage started: each is staged, was given up on (a failed transfer), or the
// reception ended. A transition calls it first, so it may run while the receiver
// still takes in contents it does not need (see endpoint.Endpoint).
func (a *Area) Await(ctx context.Context, digests []tree.Digest) error {
	for i := 0; i < len(digests); {
		a.mu.Lock()
		for i < len(digests) && !a.pending[digests[i]] {
			i++
		}
		wake := a.wake
		if wake == nil {
			wake = make(chan struct{})
			a.wake = wake
		}
		a.mu.Unlock()
		if i == len(digests) {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// resolve records that content d is no longer to come (staged, or given up on).
func (a *Area) resolve(d tree.Digest) {
	a.mu.Lock()
	a.resolveLocked(d)
	a.mu.Unlock()
}

func (a *Area) resolveLocked(d tree.Digest) {
	if a.pending[d] {
		delete(a.pending, d)
		a.notifyLocked()
	}
}

// EndReception ends the reception: nothing more is to come, and Await returns.
func (a *Area) EndReception() {
	a.mu.Lock()
	a.endReceptionLocked()
	a.mu.Unlock()
}

// closeReception ends reception n when it is still the current one (its receiver
// closed).
func (a *Area) closeReception(n uint64) {
	a.mu.Lock()
	if a.reception == n {
		a.endReceptionLocked()
	}
	a.mu.Unlock()
}

func (a *Area) endReceptionLocked() {
	a.pending, a.receiving, a.attached = nil, false, false
	a.notifyLocked()
}

// notifyLocked wakes every Await.
func (a *Area) notifyLocked() {
	if a.wake != nil {
		close(a.wake)
		a.wake = nil
	}
}

// StageContent stages data, which must have digest d (it is verified as it is
// written, like received content).
func (a *Area) StageContent(d tree.Digest, data []byte) error {
	if err := a.prepare(); err != nil {
		return err
	}
	if a.Has(d) {
		return nil
	}
	a.mu.Lock()
	a.syncEach = true // a handful of small files, sent with their changes
	if !a.attached {
		// What an earlier Stage listed and no receiver came for is not coming, nor
		// is the transition it was for.
		a.endReceptionLocked()
		a.wanted = nil
	}
	a.mu.Unlock()
	w, err := a.create(d, nil)
	if err != nil {
		return err
	}
	if _, err := w.file.Write(data); err != nil {
		w.abort()
		return err
	}
	w.hash.Write(data)
	w.size = int64(len(data))
	return w.commit(d)
}

// updateIndex brings the digest index up to the tree root.
func (a *Area) updateIndex(root *tree.Entry) {
	if a.index == nil {
		a.index = map[tree.Digest]string{}
		a.indexed = nil
	}
	for _, p := range tree.Diff(a.indexed, root) {
		tree.Walk(p.Entry, p.Path, func(path string, e *tree.Entry) bool {
			if e.Kind == tree.File && e.Size > 0 {
				a.index[e.Digest] = path
			}
			return true
		})
	}
	a.indexed = root
}

// copyIn stages a copy of the root's file at src, if it still has digest d.
func (a *Area) copyIn(src string, d tree.Digest) error {
	in, err := os.Open(a.abs(src))
	if err != nil {
		return err
	}
	defer in.Close()
	w, err := a.create(d, nil)
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
	a.mu.Lock()
	defer a.mu.Unlock()
	a.needed, a.wanted = nil, nil
	a.endReceptionLocked()
	a.staged = map[tree.Digest]string{}
	a.found = nil
	a.ready = false
	a.unsynced, a.dirty = 0, nil
	a.shardMade = [shards]bool{}
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
	size int64 // bytes written, when known (for the writeback decision)
}

// writebackFrom is the size from which a staged file's writeback starts as soon as it
// is written (so the flush before the transition finds it done); for small files the
// one flush is cheaper than a system call each.
const writebackFrom = 1 << 20

// shards spread incoming files over subdirectories, so parallel writers do not all
// contend for one directory.
const shards = 32

// create opens a new incoming file for content with digest d, named for it (see Area).
// hash, when not nil, is reset and reused.
func (a *Area) create(d tree.Digest, hash *xxh3.Hasher) (*staging, error) {
	var rnd [8]byte
	rand.Read(rnd[:])
	shard := d[0] % shards
	dir := filepath.Join(a.dir, fmt.Sprintf("%02x", shard))
	a.mu.Lock()
	if !a.shardMade[shard] {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			a.mu.Unlock()
			return nil, fmt.Errorf("staging: %w", err)
		}
		a.shardMade[shard] = true
	}
	a.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(dir, d.String()+"-"+hex.EncodeToString(rnd[:])), os.O_WRONLY|os.O_CREATE|os.O_EXCL, StagedMode)
	if err != nil {
		return nil, fmt.Errorf("staging: %w", err)
	}
	// Exactly StagedMode, whatever the umask, so a transition rarely needs a chmod.
	if umaskStrips(StagedMode) {
		err = f.Chmod(StagedMode)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
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
	s.a.mu.Lock()
	syncNow := s.a.syncEach
	s.a.mu.Unlock()
	if syncNow {
		if err := s.a.syncFile(s.file); err != nil {
			s.file.Close()
			os.Remove(name)
			return fmt.Errorf("staging: %w", err)
		}
	} else if s.size >= writebackFrom {
		startWriteback(s.file)
	}
	if err := s.file.Close(); err != nil {
		os.Remove(name)
		return err
	}
	if got := tree.Digest(s.hash.Sum128().Bytes()); got != d {
		os.Remove(name)
		return fmt.Errorf("content changed while it was transferred (digest %s, expected %s)", got, d)
	}
	s.a.mu.Lock()
	defer s.a.mu.Unlock()
	if prev, ok := s.a.staged[d]; ok {
		os.Remove(prev)
	}
	s.a.staged[d] = name
	s.a.resolveLocked(d)
	if !syncNow {
		s.a.unsynced++
	}
	if s.a.dirty == nil {
		s.a.dirty = map[string]bool{}
	}
	s.a.dirty[filepath.Dir(name)] = true
	return nil
}

// StagedMode is the permission of staged files: what most files land with.
const StagedMode = 0o644
