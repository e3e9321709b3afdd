package transition

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"sync"

	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/stage"
	"github.com/ferrysync/ferry/engine/tree"
)

// placer lands new files (creations whose staged content is used once) on worker
// goroutines: a large first sync is mostly such files, and their renames and stats are
// system calls that overlap well. Everything else stays on the transition's goroutine,
// in order. A file a worker cannot land is reported, and the result of its change
// patched, once the workers are done.
type placer struct {
	t       *Transitioner
	jobs    chan placeJob
	wg      sync.WaitGroup
	mu      sync.Mutex
	landed  []landed
	failed  []failedJob
	started bool
}

type placeJob struct {
	change int
	path   string
	file   *tree.Entry
	mode   fs.FileMode
	staged string
}

type landed struct {
	path   string
	key    scan.StatKey
	digest tree.Digest
}

type failedJob struct {
	change int
	path   string
	err    error
}

func newPlacer(t *Transitioner) *placer { return &placer{t: t} }

// take hands the creation of file at p to a worker if it can, and reports whether it
// did.
func (pl *placer) take(p string, file *tree.Entry, mode fs.FileMode) bool {
	t := pl.t
	staged := t.area.Path(file.Digest)
	if staged == "" || t.uses[file.Digest] != 1 || t.keep[file.Digest] {
		return false // missing (reported by place) or needed again (copied by place)
	}
	if !t.flushed {
		t.flushStaged()
	}
	t.uses[file.Digest]--
	t.area.Taken(file.Digest)
	if !pl.started {
		pl.started = true
		pl.jobs = make(chan placeJob, 256)
		for range max(runtime.GOMAXPROCS(0), 2) * 2 {
			pl.wg.Add(1)
			go pl.work()
		}
	}
	pl.jobs <- placeJob{change: t.cur, path: p, file: file, mode: mode, staged: staged}
	return true
}

func (pl *placer) work() {
	defer pl.wg.Done()
	for j := range pl.jobs {
		err := pl.land(j)
		pl.mu.Lock()
		if err != nil {
			pl.failed = append(pl.failed, failedJob{j.change, j.path, err})
		}
		pl.mu.Unlock()
	}
}

// land renames staged content into place, never over anything.
func (pl *placer) land(j placeJob) error {
	abs := pl.t.sc.Abs(j.path)
	if err := pl.t.perms.own(j.staged); err != nil {
		os.Remove(j.staged)
		return err
	}
	if j.mode != stage.StagedMode {
		if err := os.Chmod(j.staged, j.mode); err != nil {
			os.Remove(j.staged)
			return fmt.Errorf("setting permissions: %w", unwrap(err))
		}
	}
	err := pl.t.rename(j.staged, abs, true)
	if isCrossDevice(err) {
		tmp, cerr := copyNear(j.staged, abs)
		if cerr != nil {
			os.Remove(j.staged)
			return fmt.Errorf("copying staged content: %w", cerr)
		}
		os.Chmod(tmp, j.mode)
		pl.t.perms.own(tmp)
		if err = pl.t.rename(tmp, abs, true); err != nil {
			os.Remove(tmp)
		}
		os.Remove(j.staged)
	}
	if err != nil {
		os.Remove(j.staged)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("not created: something was created there since the scan")
		}
		return fmt.Errorf("placing file: %w", unwrap(err))
	}
	pl.t.area.Landed(j.file.Digest)
	if key, _, err := scan.Lstat(abs); err == nil {
		pl.mu.Lock()
		pl.landed = append(pl.landed, landed{j.path, key, j.file.Digest})
		pl.mu.Unlock()
	}
	return nil
}

// finish waits for the workers, records what they landed in the scan cache, and
// reports what they could not land, removing it from the changes' results.
func (pl *placer) finish(changes []tree.Change, results []*tree.Entry) {
	if !pl.started {
		return
	}
	close(pl.jobs)
	pl.wg.Wait()
	for _, l := range pl.landed {
		pl.t.sc.Record(l.path, l.key, l.digest)
	}
	for _, f := range pl.failed {
		pl.t.problem(f.path, "%v", f.err)
		base := changes[f.change].Path
		if f.path == base {
			results[f.change] = nil
			continue
		}
		results[f.change] = tree.With(results[f.change], f.path[len(base)+len(sep(base)):], nil)
	}
}

// sep is the separator between a change's path and a path below it.
func sep(base string) string {
	if base == "" {
		return ""
	}
	return "/"
}
