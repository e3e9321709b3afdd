package scan

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/zeebo/xxh3"

	"github.com/ferrysync/ferry/engine/tree"
)

// ErrTooManyEntries is returned when a tree exceeds Options.MaxEntries.
var ErrTooManyEntries = errors.New("too many entries")

// ChangingProblem is the problem of an untracked entry for a file that changed while
// a scan read it.
const ChangingProblem = "it changed while it was read; it is synchronized once it stops changing"

// Scanner scans one root. See the package documentation for its invariants.
type Scanner struct {
	root       string
	opts       Options
	cache      Cache
	cacheDirty bool
	last       *tree.Entry
	scanned    bool
	changing   []string               // files the last scan found changing while it read them
	foldsNames bool                   // the file system finds names under other spellings
	ruleFiles  map[string]loadedRules // ignore files as last read
}

// New returns a scanner for root, loading its cache from opts.CachePath.
func New(root string, opts Options) *Scanner {
	s := &Scanner{root: root, opts: opts, cache: Cache{}}
	if opts.CachePath != "" {
		s.cache = LoadCache(opts.CachePath)
	}
	return s
}

// Executable reports whether a file of mode counts as executable in this scanner's
// trees (never, when it ignores executability).
func (s *Scanner) Executable(mode fs.FileMode) bool {
	return !s.opts.IgnoreExecutability && Executable(mode)
}

// FoldNames tells the scanner that its file system finds a name under other spellings
// (it is case- or Unicode-insensitive): a rescanned path counts only when its
// directory lists it spelled so.
func (s *Scanner) FoldNames() { s.foldsNames = true }

// IgnoreExecutability makes every file scan as not executable from now on: the
// file system keeps no executable bits (every file reads the same).
func (s *Scanner) IgnoreExecutability() { s.opts.IgnoreExecutability = true }

// Root is the directory this scanner reads.
func (s *Scanner) Root() string { return s.root }

// Last is the tree the most recent scan produced (nil before the first, or when the root
// does not exist).
func (s *Scanner) Last() *tree.Entry { return s.last }

// Scanned reports whether a scan has completed, so Rescan can work incrementally.
func (s *Scanner) Scanned() bool { return s.scanned }

// Abs returns the file system path of a tree path.
func (s *Scanner) Abs(p string) string {
	if p == "" {
		return s.root
	}
	return filepath.Join(s.root, filepath.FromSlash(p))
}

// Changing lists the files the last scan found written while it read them (entered
// as untracked): the caller should read them again soon.
func (s *Scanner) Changing() []string { return s.changing }

// Cached returns the metadata and digest the last scan recorded for the file at p.
func (s *Scanner) Cached(p string) (StatKey, tree.Digest, bool) {
	e, ok := s.cache[p]
	return e.Key, e.Digest, ok
}

// Record notes that the file at p now has the given metadata and digest (after ferry
// wrote it), so the next scan need not read it again.
func (s *Scanner) Record(p string, key StatKey, digest tree.Digest) {
	s.cache[p] = cacheEntry{Key: key, Digest: digest}
	s.cacheDirty = true
	sharedStore(key, digest)
}

// Apply records in the last tree that the entry at p is now e (nil: nothing), as a
// transition reports it, so the next accelerated scan starts from what is on disk.
func (s *Scanner) Apply(p string, e *tree.Entry) {
	if !s.scanned {
		return
	}
	if p == "" {
		s.last = e
		return
	}
	parent, _ := tree.Split(p)
	if pe := tree.Lookup(s.last, parent); pe == nil || pe.Kind != tree.Directory {
		return
	}
	s.last = tree.With(s.last, p, e)
}

// SaveCache persists the cache if it changed since it was loaded or saved.
// TakeCache returns a copy of the digest cache to save, and the file it goes to, when
// it changed since it was last saved or taken (ok false otherwise, or without a cache
// file); it counts as saved from then on. The copy is the caller's: saving it
// (Cache.Save) needs no lock on the scanner.
func (s *Scanner) TakeCache() (c Cache, path string, ok bool) {
	if s.opts.CachePath == "" || !s.cacheDirty {
		return nil, "", false
	}
	s.cacheDirty = false
	return maps.Clone(s.cache), s.opts.CachePath, true
}

func (s *Scanner) SaveCache() error {
	if s.opts.CachePath == "" || !s.cacheDirty {
		return nil
	}
	if err := s.cache.Save(s.opts.CachePath); err != nil {
		return err
	}
	s.cacheDirty = false
	return nil
}

// Full scans the whole root. A missing root yields a nil tree; a root that is not a
// directory yields an untracked entry.
func (s *Scanner) Full() (*tree.Entry, error) {
	w := &walker{s: s, cache: make(Cache, len(s.cache))}
	root, err := w.root()
	if ferr := w.finish(); err == nil {
		err = ferr
	}
	if err != nil {
		return nil, err
	}
	// The cache changed when a file was hashed or a path left it: every other entry
	// was carried over from the old cache as it was.
	s.cacheDirty = s.cacheDirty || w.hashed > 0 || len(w.cache) != len(s.cache)
	s.cache = w.cache
	s.last, s.scanned, s.changing = root, true, w.changing
	return root, nil
}

// Rescan re-reads the given paths and reuses the rest of the previous tree. A path
// mapped to true is re-read with everything below it; a directory mapped to false is
// re-listed, its child directories reused from the previous tree (the watcher reports
// changes inside them separately). Without a previous tree it scans fully.
func (s *Scanner) Rescan(paths map[string]bool) (*tree.Entry, error) {
	if !s.scanned || s.last == nil || s.last.Kind != tree.Directory {
		return s.Full()
	}
	if _, ok := paths[""]; ok {
		return s.Full()
	}
	// A changed ignore file changes what its whole directory holds.
	for p := range paths {
		if dir, ok := s.RulesFor(p); ok {
			if dir == "" {
				return s.Full()
			}
			paths = maps.Clone(paths)
			paths[dir] = true
		}
	}
	// Choose what to re-read: each reported path, or the nearest ancestor whose parent
	// is a directory in the last tree; nothing below a path re-read recursively.
	type pick struct {
		path      string
		recursive bool
	}
	chosen := map[string]bool{}
	for p, recursive := range paths {
		if tree.ValidPath(p) != nil {
			continue
		}
		for p != "" {
			parent, _ := tree.Split(p)
			if pe := tree.Lookup(s.last, parent); pe != nil && pe.Kind == tree.Directory {
				break
			}
			p, recursive = parent, true
		}
		if p == "" {
			return s.Full()
		}
		chosen[p] = chosen[p] || recursive
	}
	order := make([]pick, 0, len(chosen))
	for p, r := range chosen {
		order = append(order, pick{p, r})
	}
	slices.SortFunc(order, func(a, b pick) int { return strings.Compare(a.path, b.path) })
	w := &walker{s: s, cache: s.cache}
	var patches []tree.Patch
	deep := map[string]bool{} // paths re-read with their whole subtree
	for _, pk := range order {
		covered := false
		for q, _ := tree.Split(pk.path); q != "" && !covered; q, _ = tree.Split(q) {
			covered = deep[q]
		}
		if covered {
			continue
		}
		prev := tree.Lookup(s.last, pk.path)
		e, err := w.path(pk.path, prev, pk.recursive)
		if err != nil {
			w.finish()
			return nil, err
		}
		patches = append(patches, tree.Patch{Path: pk.path, Entry: e})
		if e != nil && e.Kind == tree.Directory && (pk.recursive || prev == nil || prev.Kind != tree.Directory) {
			deep[pk.path] = true
		}
	}
	if err := w.finish(); err != nil {
		return nil, err
	}
	for _, p := range w.vanished {
		patches = append(patches, tree.Patch{Path: p})
	}
	root := tree.ApplyPatches(s.last, patches)
	if s.opts.MaxEntries > 0 {
		if c := tree.Count(root); c.Directories+c.Files+c.Symlinks+c.Untracked > s.opts.MaxEntries {
			return nil, fmt.Errorf("%w: the root holds more than %d entries; raise the limit or ignore more", ErrTooManyEntries, s.opts.MaxEntries)
		}
	}
	s.cacheDirty = s.cacheDirty || w.hashed > 0
	s.last, s.changing = root, w.changing
	return root, nil
}

// walker carries the state of one scan. Files to hash are hashed by workers while the
// walk goes on.
type walker struct {
	s        *Scanner
	cache    Cache
	pending  []*pending
	queue    chan *pending
	workers  sync.WaitGroup
	vanished []string                   // top-level rescanned files that disappeared while hashed
	changing []string                   // files written while they were hashed
	listings map[string]map[string]bool // directory listings read to check spellings
	count    uint64
	hashed   int
	// The ignore files' rules that apply where the walk is (see rules.go): the root's
	// .ferryignore, and the .gitignore layers from the root down; layersFor is the
	// directory a rescan last set them for.
	ferry     *layer
	layers    []layer
	layersFor string
	layersSet bool
}

// pending is a file whose digest must be computed.
type pending struct {
	path   string
	entry  *tree.Entry
	key    StatKey
	parent map[string]*tree.Entry // nil for a rescanned path itself
	name   string
	result error
	stable bool
}

func (w *walker) root() (*tree.Entry, error) {
	info, err := os.Stat(w.s.root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("scanning %s: %w", w.s.root, err)
	}
	if !info.IsDir() {
		return tree.NewUntracked("the root is not a directory"), nil
	}
	return w.dir(w.s.root, "", nil, true)
}

// path reads the entry at p (which is not the root).
func (w *walker) path(p string, prev *tree.Entry, recursive bool) (*tree.Entry, error) {
	abs := w.s.Abs(p)
	info, err := os.Lstat(abs)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscallENOTDIR) {
		return nil, nil
	}
	if err != nil {
		return tree.NewUntracked(fmt.Sprintf("cannot read: %v", errors.Unwrap(err))), nil
	}
	parent, name := tree.Split(p)
	if w.s.foldsNames && !w.spelled(parent, name) {
		// The file system found it under another spelling (case, Unicode form): that
		// spelling is the entry, this one is not.
		return nil, nil
	}
	w.enterAncestors(parent)
	return w.entry(abs, p, name, info, prev, recursive, nil)
}

// spelled reports whether the directory parent lists name exactly as spelled (its
// listing read once per scan).
func (w *walker) spelled(parent, name string) bool {
	if w.listings == nil {
		w.listings = map[string]map[string]bool{}
	}
	names, ok := w.listings[parent]
	if !ok {
		names = map[string]bool{}
		if entries, err := os.ReadDir(w.s.Abs(parent)); err == nil {
			for _, e := range entries {
				names[e.Name()] = true
			}
		}
		w.listings[parent] = names
	}
	return names[name]
}

// entry builds the entry for one directory child.
func (w *walker) entry(abs, rel, name string, info fs.FileInfo, prev *tree.Entry, recursive bool, parent map[string]*tree.Entry) (*tree.Entry, error) {
	if strings.HasPrefix(name, TempPrefix) {
		return nil, nil
	}
	mode := info.Mode()
	if w.s.opts.Ignore.Ignored(rel, mode.IsDir()) {
		return nil, nil
	}
	if src := w.ignoredBy(rel, mode.IsDir()); src != "" {
		return tree.NewIgnored(src), nil
	}
	w.count++
	if w.s.opts.MaxEntries > 0 && w.count > w.s.opts.MaxEntries {
		return nil, fmt.Errorf("%w: the root holds more than %d entries; raise the limit or ignore more", ErrTooManyEntries, w.s.opts.MaxEntries)
	}
	if problem := nameProblem(name); problem != "" {
		return tree.NewUntracked(problem), nil
	}
	switch {
	case mode.IsDir():
		var prevContents map[string]*tree.Entry
		if !recursive && prev != nil && prev.Kind == tree.Directory {
			prevContents = prev.Contents
		}
		return w.dir(abs, rel, prevContents, recursive || prev == nil || prev.Kind != tree.Directory)
	case mode.IsRegular():
		key := KeyOf(info)
		e := tree.NewFile(info.Size(), tree.Digest{}, w.s.Executable(mode))
		if c, ok := w.s.cache[rel]; ok && c.Key == key {
			e.Digest = c.Digest
			w.cache[rel] = c
			return e, nil
		}
		if d, ok := sharedLookup(key); ok {
			e.Digest = d
			w.cache[rel] = cacheEntry{Key: key, Digest: d}
			w.hashed++ // the path cache changed
			return e, nil
		}
		w.enqueue(&pending{path: rel, entry: e, key: key, parent: parent, name: name})
		return e, nil
	case mode&fs.ModeSymlink != 0:
		return w.symlink(abs, rel)
	}
	return tree.NewUntracked(fmt.Sprintf("unsupported file type (%s)", describeType(mode))), nil
}

func (w *walker) symlink(abs, rel string) (*tree.Entry, error) {
	if w.s.opts.Symlinks == SymlinksIgnore {
		w.count--
		return nil, nil
	}
	target, err := os.Readlink(abs)
	if err != nil {
		return tree.NewUntracked(fmt.Sprintf("cannot read link: %v", errors.Unwrap(err))), nil
	}
	target = filepath.ToSlash(target)
	if w.s.opts.Symlinks == SymlinksPortable {
		if problem := portableProblem(rel, target); problem != "" {
			return tree.NewUntracked(problem), nil
		}
	}
	return tree.NewSymlink(target), nil
}

// portableProblem says why a link target is not portable, or "" if it is.
func portableProblem(rel, target string) string {
	switch {
	case target == "":
		return "symbolic link with an empty target"
	case path.IsAbs(target) || filepath.VolumeName(target) != "" || (len(target) > 1 && target[1] == ':'):
		return "symbolic link with an absolute target (portable mode syncs relative links inside the root; use --symlink-mode posix-raw)"
	case strings.ContainsAny(target, "\\\x00"):
		return "symbolic link target contains a backslash"
	}
	dir, _ := tree.Split(rel)
	resolved := path.Clean(path.Join(dir, target))
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		return "symbolic link points outside the root (portable mode syncs links inside the root; use --symlink-mode posix-raw)"
	}
	return ""
}

// dir lists a directory. With prevContents set, child directories found there are
// reused instead of re-read.
func (w *walker) dir(abs, rel string, prevContents map[string]*tree.Entry, recursive bool) (*tree.Entry, error) {
	f, err := os.Open(abs)
	if err != nil {
		return unreadableDir(err), nil
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return unreadableDir(err), nil
	}
	if len(entries) == 0 {
		return tree.NewDir(nil), nil
	}
	defer w.leave(w.enter(rel, func(name string) bool {
		return slices.ContainsFunc(entries, func(de fs.DirEntry) bool { return de.Name() == name })
	}))
	contents := make(map[string]*tree.Entry, len(entries))
	for _, de := range entries {
		name := de.Name()
		childRel := tree.Join(rel, name)
		childAbs := filepath.Join(abs, name)
		if prev, ok := prevContents[name]; ok && prev.Kind == tree.Directory && de.IsDir() && !recursive {
			if !w.s.opts.Ignore.Ignored(childRel, true) {
				contents[name] = prev
			}
			continue
		}
		info, err := de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		var e *tree.Entry
		if err != nil {
			e = tree.NewUntracked(fmt.Sprintf("cannot read: %v", err))
		} else {
			var prev *tree.Entry
			if prevContents != nil {
				prev = prevContents[name]
			}
			e, err = w.entry(childAbs, childRel, name, info, prev, recursive, contents)
			if err != nil {
				return nil, err
			}
		}
		if e != nil {
			contents[name] = e
		}
	}
	return tree.NewDir(contents), nil
}

func unreadableDir(err error) *tree.Entry {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return tree.NewUntracked(fmt.Sprintf("cannot read directory: %v", err))
}

func describeType(m fs.FileMode) string {
	switch {
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return m.Type().String()
}

// enqueue hands a file to the hashing workers, starting them on first use.
func (w *walker) enqueue(p *pending) {
	if w.queue == nil {
		w.queue = make(chan *pending, 1024)
		for range max(runtime.GOMAXPROCS(0), 2) {
			w.workers.Add(1)
			go func() {
				defer w.workers.Done()
				buf, h := make([]byte, 128<<10), xxh3.New()
				for p := range w.queue {
					p.entry.Digest, p.stable, p.result = hashFile(w.s.Abs(p.path), p.key, buf, h)
				}
			}()
		}
	}
	w.pending = append(w.pending, p)
	w.queue <- p
}

// finish waits for the digests of pending files and settles what hashing found.
func (w *walker) finish() error {
	if w.queue == nil {
		return nil
	}
	close(w.queue)
	w.workers.Wait()
	w.queue = nil
	w.hashed += len(w.pending)
	for _, p := range w.pending {
		switch {
		case errors.Is(p.result, fs.ErrNotExist):
			if p.parent != nil {
				delete(p.parent, p.name)
			} else {
				w.vanished = append(w.vanished, p.path)
			}
		case p.result != nil:
			p.entry.Kind, p.entry.Target = tree.Untracked, fmt.Sprintf("cannot read: %v", p.result)
		case p.stable:
			w.cache[p.path] = cacheEntry{Key: p.key, Digest: p.entry.Digest}
			sharedStore(p.key, p.entry.Digest)
		default:
			// Written while it was read: what was read may never have been the file's
			// content at any one moment. It is not synchronized until a read sees it
			// still.
			p.entry.Kind, p.entry.Target = tree.Untracked, ChangingProblem
			w.changing = append(w.changing, p.path)
		}
	}
	w.pending = nil
	return nil
}

// readHook, when set by a test, runs as each file is about to be read for hashing.
var readHook func(abs string)

// hashFile computes the digest of the file at abs, reading through buf and h (reset
// here). stable reports that the file's metadata matched key before and after
// reading, so the digest may be cached.
func hashFile(abs string, key StatKey, buf []byte, h *xxh3.Hasher) (d tree.Digest, stable bool, err error) {
	f, err := os.Open(abs)
	if err != nil {
		return d, false, unwrapPath(err)
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return d, false, unwrapPath(err)
	}
	if readHook != nil {
		readHook(abs)
	}
	h.Reset()
	// A read loop, not io.CopyBuffer: an *os.File source copies through its WriteTo,
	// which ignores buf and allocates a buffer per file.
	for {
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return d, false, unwrapPath(err)
		}
	}
	after, err := f.Stat()
	if err != nil {
		return d, false, unwrapPath(err)
	}
	d = tree.Digest(h.Sum128().Bytes())
	stable = KeyOf(before) == key && KeyOf(after) == key
	return d, stable, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Digest computes the digest of data, as scans do for files.
func Digest(data []byte) tree.Digest { return tree.Digest(xxh3.Hash128(data).Bytes()) }
