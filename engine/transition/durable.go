package transition

import (
	"os"
	"path/filepath"
	"sync"

	"github.com/ferrysync/ferry/engine/tree"
)

// A transition makes durable what it writes, in proportion to what it wrote: staged
// contents before the first of them lands (so a synced path never holds a file whose
// data a power cut can lose), and the directories it changed before Apply returns
// (so the ancestor, which its caller records next, never holds a landing the disk
// can still lose: it would be taken for the side's change back). The whole file
// system is synced (syncfs) only where that is cheaper than the files and
// directories one by one: a sync of the file system waits for everything written to
// it, another program's gigabytes too.

// syncDirsMax is the most directories a transition syncs one by one after landing;
// more are made durable with one sync of the root's file system.
const syncDirsMax = 128

// syncer makes writes durable. Tests replace it to count what a cycle asks for.
type syncer interface {
	// dirs makes the entries of directories durable (fsync of each).
	dirs(dirs []string)
	// fileSystem makes everything written to the file system holding dir durable
	// (syncfs), and reports false where the platform cannot do that in one call.
	fileSystem(dir string) bool
}

// osSyncer is the real file system's syncer.
type osSyncer struct{}

// dirs syncs the directories a few at a time: the file system's journal commits
// that concurrent syncs wait for are shared between them.
func (osSyncer) dirs(dirs []string) {
	next := make(chan string)
	var wg sync.WaitGroup
	for range min(len(dirs), 8) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range next {
				syncDir(d)
			}
		}()
	}
	for _, d := range dirs {
		next <- d
	}
	close(next)
	wg.Wait()
}

func (osSyncer) fileSystem(dir string) bool { return syncFileSystem(dir) }

// flushStaged makes staged contents durable before the first of them lands: where
// the staging synced its few files as it wrote them, only their directories; else
// one sync of the staging area's file system, or where there is none, every staged
// file and shard directory.
func (t *Transitioner) flushStaged() {
	t.flushed = true
	all, dirs := t.area.Durability()
	if all {
		if t.sync.fileSystem(t.area.Dir()) {
			return
		}
		dirs = append(dirs, syncStagedFiles(t.area.Dir())...)
	}
	t.sync.dirs(dirs)
}

// syncStagedFiles syncs every file staged in dir and returns the shard directories
// holding them.
func syncStagedFiles(dir string) (shards []string) {
	entries, _ := os.ReadDir(dir)
	for _, sh := range entries {
		shard := filepath.Join(dir, sh.Name())
		files, _ := os.ReadDir(shard)
		for _, e := range files {
			if f, err := os.OpenFile(filepath.Join(shard, e.Name()), os.O_RDWR, 0); err == nil {
				f.Sync()
				f.Close()
			}
		}
		shards = append(shards, shard)
	}
	return shards
}

// syncLanded makes durable what changes did under the root: the entries of the
// directories they changed (see landedDirs), one by one, or with one sync of the
// root's file system when there are more than syncDirsMax.
func (t *Transitioner) syncLanded(changes []tree.Change) {
	dirs := t.landedDirs(changes)
	if len(dirs) == 0 {
		return
	}
	if len(dirs) > syncDirsMax && t.sync.fileSystem(t.sc.Root()) {
		return
	}
	t.sync.dirs(dirs)
}

// landedDirs lists, once each, the directories whose entries changes may have
// changed: the parent of each changed path (and of the path a respelling came
// from), and every directory a change created, whose entries it filled in.
func (t *Transitioner) landedDirs(changes []tree.Change) []string {
	seen := map[string]bool{}
	var dirs []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			dirs = append(dirs, t.sc.Abs(p))
		}
	}
	for _, c := range changes {
		for _, p := range []string{c.Path, c.From} {
			if p != "" {
				parent, _ := tree.Split(p)
				add(parent)
			}
		}
		if c.From != "" || c.New == nil || c.New.Kind != tree.Directory {
			continue
		}
		tree.Walk(c.New, c.Path, func(p string, e *tree.Entry) bool {
			if e.Kind == tree.Directory {
				add(p)
			}
			return true
		})
	}
	return dirs
}
