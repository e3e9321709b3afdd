package bench

import (
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
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
	work := make(chan genFile)
	errs := make(chan error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range cap(errs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				if err := writeRandomFile(filepath.Join(root, f.path), f.size, f.seed); err != nil {
					errs <- err
					for range work {
					}
					return
				}
			}
		}()
	}
	for _, f := range files {
		work <- f
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
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
