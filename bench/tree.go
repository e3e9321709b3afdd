package bench

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// TreeSpec describes a generated tree: Files files of MinSize to MaxSize random bytes
// in nested directories of about PerDir files each, everything drawn from Seed.
type TreeSpec struct {
	Files            int
	MinSize, MaxSize int64
	PerDir           int
	Seed             uint64
}

// Tree is a local tree the workloads copy.
type Tree struct {
	Path  string
	Label string // what it is, with its counts: "Go src: 11,478 files, 157 MB"
	Files int    // regular files
	Dirs  int    // directories below the root
	Bytes int64  // sum of the file sizes
}

// Entries counts what a sync session tracks: files, directories and the root.
func (t *Tree) Entries() int { return t.Files + t.Dirs + 1 }

type genFile struct {
	path string
	size int64
	seed uint64
}

// Layout returns the directories (parents first) and files of spec, relative to the
// root. It is a pure function of spec.
func (spec TreeSpec) Layout() (dirs []string, files []genFile) {
	rng := rand.New(rand.NewPCG(spec.Seed, 0x9e3779b97f4a7c15))
	nd := 1
	if spec.PerDir > 0 && spec.Files > spec.PerDir {
		nd = (spec.Files + spec.PerDir - 1) / spec.PerDir
	}
	// Directory i > 0 hangs below a random earlier one: a random recursive tree,
	// a few levels deep, with a broad top.
	dirs = make([]string, nd)
	for i := 1; i < nd; i++ {
		dirs[i] = filepath.Join(dirs[rng.IntN(i)], fmt.Sprintf("d%d", i))
	}
	files = make([]genFile, spec.Files)
	for j := range files {
		size := spec.MinSize
		if spec.MaxSize > spec.MinSize {
			size += rng.Int64N(spec.MaxSize - spec.MinSize + 1)
		}
		files[j] = genFile{filepath.Join(dirs[rng.IntN(nd)], fmt.Sprintf("f%d.dat", j)), size, spec.Seed<<32 ^ uint64(j)}
	}
	return dirs[1:], files
}

// Generate writes spec's tree at root, which must not exist.
func Generate(root string, spec TreeSpec) (*Tree, error) {
	dirs, files := spec.Layout()
	if err := os.Mkdir(root, 0o755); err != nil {
		return nil, err
	}
	for _, d := range dirs {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			return nil, err
		}
	}
	t := &Tree{Path: root, Files: len(files), Dirs: len(dirs)}
	for _, f := range files {
		t.Bytes += f.size
	}
	// Writing a small file is mostly system calls: more writers than cores keep the
	// disk busy. Each takes the next file by index, so there is no channel per file.
	writers := max(8, 4*runtime.GOMAXPROCS(0))
	var next atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j := next.Add(1) - 1
				if j >= int64(len(files)) {
					return
				}
				f := files[j]
				if err := writeRandomFile(filepath.Join(root, f.path), f.size, f.seed); err != nil {
					errOnce.Do(func() { firstErr = err })
					next.Store(int64(len(files)))
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return t, nil
}

// randomReader returns a deterministic stream of random bytes for seed.
func randomReader(seed uint64) io.Reader {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	binary.LittleEndian.PutUint64(key[8:], 0x6665727279626e63) // "ferrybnc"
	return rand.NewChaCha8(key)
}

// writeRandomFile writes size random bytes drawn from seed to name.
func writeRandomFile(name string, size int64, seed uint64) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(f, io.LimitReader(randomReader(seed), size), make([]byte, min(size+1, 1<<20)))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// CopyTree copies src to dst (which must not exist) with cp -a and counts it.
func CopyTree(src, dst string) (*Tree, error) {
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("cp -a %s: %v: %s", src, err, out)
	}
	return Count(dst)
}

// Count walks root and counts its files, directories and bytes.
func Count(root string) (*Tree, error) {
	t := &Tree{Path: root}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case p == root:
		case d.IsDir():
			t.Dirs++
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			t.Files++
			t.Bytes += info.Size()
		}
		return nil
	})
	return t, err
}

// sameContents says how a remote copy differs from t in files and bytes, or "".
func (t *Tree) sameContents(copyRoot string) string {
	c, err := Count(copyRoot)
	if err != nil {
		return err.Error()
	}
	if c.Files != t.Files || c.Bytes != t.Bytes {
		return fmt.Sprintf("the copy holds %d files, %d bytes; the source %d files, %d bytes", c.Files, c.Bytes, t.Files, t.Bytes)
	}
	return ""
}

// regularFiles lists t's files, relative to its root, in walk order.
func (t *Tree) regularFiles() ([]string, error) {
	var out []string
	err := filepath.WalkDir(t.Path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(t.Path, p)
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}

// The trees the workloads use. Each purpose gets its own copy, so one workload's
// edits never reach another's input.

// GoSrcTree is a copy of the Go distribution's src tree (or, quick, one subdirectory).
func (e *Env) GoSrcTree(purpose string) (*Tree, error) {
	return e.cachedTree("gosrc-"+purpose, func(dst string) (*Tree, error) {
		src, label := e.GoSrc, "Go src"
		if e.Sizes.GoSrcSub != "" {
			src, label = filepath.Join(e.GoSrc, e.Sizes.GoSrcSub), "Go src/"+e.Sizes.GoSrcSub
		}
		t, err := CopyTree(src, dst)
		if err == nil {
			t.Label = fmt.Sprintf("%s: %s files, %s", label, commas(t.Files), fmtBytes(float64(t.Bytes)))
		}
		return t, err
	})
}

// SmallFilesTree has n files of 100-4,000 random bytes, about 50 per directory.
func (e *Env) SmallFilesTree(purpose string, n int) (*Tree, error) {
	return e.cachedTree(fmt.Sprintf("small%d-%s", n, purpose), func(dst string) (*Tree, error) {
		t, err := Generate(dst, TreeSpec{Files: n, MinSize: 100, MaxSize: 4000, PerDir: 50, Seed: 1})
		if err == nil {
			t.Label = fmt.Sprintf("%s small files in %s directories, %s", commas(t.Files), commas(t.Dirs), fmtBytes(float64(t.Bytes)))
		}
		return t, err
	})
}

// BigFilesTree has Sizes.BigFiles files of Sizes.BigSize random bytes.
func (e *Env) BigFilesTree(purpose string) (*Tree, error) {
	n, size := e.Sizes.BigFiles, e.Sizes.BigSize
	return e.cachedTree("big-"+purpose, func(dst string) (*Tree, error) {
		t, err := Generate(dst, TreeSpec{Files: n, MinSize: size, MaxSize: size, PerDir: n, Seed: 2})
		if err == nil {
			t.Label = fmt.Sprintf("%d files of %s", n, fmtBytes(float64(size)))
		}
		return t, err
	})
}

func (e *Env) cachedTree(key string, make func(dst string) (*Tree, error)) (*Tree, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t, ok := e.trees[key]; ok {
		return t, nil
	}
	dst := filepath.Join(e.Work, "trees", key)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return nil, err
	}
	t, err := make(dst)
	if err != nil {
		return nil, fmt.Errorf("preparing tree %s: %w", key, err)
	}
	e.trees[key] = t
	return t, nil
}

// ScaleFiles is the scale case's default size (BENCH_SCALE): files.
const ScaleFiles = 1_000_000

// ScaleSpec is the scale case's tree: n files of 50-2,000 random bytes, 50 per
// directory (so n/50 directories).
func ScaleSpec(n int) TreeSpec {
	return TreeSpec{Files: n, MinSize: 50, MaxSize: 2000, PerDir: 50, Seed: 6}
}

// ScaleTree is the scale case's tree of Settings.Scale files (ScaleFiles when 0). It
// lives in Settings.CacheDir, where a later run reuses it (see cachedGenerated).
func (e *Env) ScaleTree() (*CachedTree, error) {
	n := e.Scale
	if n <= 0 {
		n = ScaleFiles
	}
	spec := ScaleSpec(n)
	e.mu.Lock()
	defer e.mu.Unlock()
	dir := e.CacheDir
	if dir == "" {
		dir = filepath.Join(e.Work, "trees")
	}
	start := time.Now()
	t, reused, err := cachedGenerated(filepath.Join(dir, fmt.Sprintf("scale%d", n)), spec)
	if err != nil {
		return nil, fmt.Errorf("preparing the scale tree: %w", err)
	}
	t.Label = fmt.Sprintf("%s files of 50-2,000 bytes in %s directories, %s", commas(t.Files), commas(t.Dirs), fmtBytes(float64(t.Bytes)))
	how := "generated"
	if reused {
		how = "reused (manifest matches)"
	}
	e.Logf("scale tree %s: %s in %s", how, t.Path, time.Since(start).Round(time.Millisecond))
	return &CachedTree{Tree: t, Spec: spec, Reused: reused}, nil
}

// A CachedTree is a generated tree kept between runs. Its manifest stands for its
// contents: whoever changes the files calls Dirty first and Restore when done.
type CachedTree struct {
	*Tree
	Spec   TreeSpec
	Reused bool // it came from an earlier run
}

// treeManifest is written next to a generated tree once it is complete and
// untouched: the spec it was generated from and what it holds. manifestVersion
// changes whenever Generate or Layout would write a different tree for the same spec.
type treeManifest struct {
	Version int
	Spec    TreeSpec
	Files   int
	Dirs    int
	Bytes   int64
}

const manifestVersion = 1

func manifestPath(root string) string { return root + ".manifest.json" }

// cachedGenerated returns spec's tree at root: the one already there if its manifest
// says it is spec's, complete and untouched; otherwise it deletes whatever is at root
// and generates the tree anew.
func cachedGenerated(root string, spec TreeSpec) (t *Tree, reused bool, err error) {
	want := treeManifest{Version: manifestVersion, Spec: spec}
	if b, err := os.ReadFile(manifestPath(root)); err == nil {
		var m treeManifest
		if json.Unmarshal(b, &m) == nil && m.Version == want.Version && m.Spec == want.Spec {
			if info, err := os.Stat(root); err == nil && info.IsDir() {
				return &Tree{Path: root, Files: m.Files, Dirs: m.Dirs, Bytes: m.Bytes}, true, nil
			}
		}
	}
	if err := os.Remove(manifestPath(root)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if err := os.RemoveAll(root); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(root), 0o755); err != nil {
		return nil, false, err
	}
	if t, err = Generate(root, spec); err != nil {
		return nil, false, err
	}
	return t, false, writeManifest(t, spec)
}

func writeManifest(t *Tree, spec TreeSpec) error {
	b, err := json.Marshal(treeManifest{Version: manifestVersion, Spec: spec, Files: t.Files, Dirs: t.Dirs, Bytes: t.Bytes})
	if err != nil {
		return err
	}
	tmp := manifestPath(t.Path) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, manifestPath(t.Path))
}

// Dirty removes the manifest before the tree's files change, so a run that stops
// midway leaves a tree the next run regenerates.
func (c *CachedTree) Dirty() error {
	err := os.Remove(manifestPath(c.Path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Restore rewrites the files named (relative to the root) as the spec generates them
// and writes the manifest again.
func (c *CachedTree) Restore(rels []string) error {
	_, files := c.Spec.Layout()
	byPath := make(map[string]genFile, len(rels))
	for _, r := range rels {
		byPath[r] = genFile{}
	}
	for _, f := range files {
		if _, ok := byPath[f.path]; ok {
			byPath[f.path] = f
		}
	}
	for r, f := range byPath {
		if f.path == "" {
			return fmt.Errorf("restoring %s: not a file of the generated tree", r)
		}
		if err := writeRandomFile(filepath.Join(c.Path, f.path), f.size, f.seed); err != nil {
			return err
		}
	}
	return writeManifest(c.Tree, c.Spec)
}

// FileList lists the tree's files relative to its root, as generated (no walk).
func (c *CachedTree) FileList() []string {
	_, files := c.Spec.Layout()
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out
}
