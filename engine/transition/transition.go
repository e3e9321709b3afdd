package transition

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/stage"
	"github.com/ferrysync/ferry/engine/trash"
	"github.com/ferrysync/ferry/engine/tree"
)

// Default permissions of what a transition creates.
const (
	defaultFileMode = 0o644
	defaultDirMode  = 0o755
)

// Transitioner applies changes under the root of a scanner, using its cache as the
// record of what the scan saw and a staging area for file contents.
type Transitioner struct {
	sc    *scan.Scanner
	area  *stage.Area
	bin   *trash.Bin
	perms Permissions
	// fs is what the root's file system can do (probed is false until told).
	fs     endpoint.FileSystem
	probed bool
	sync   syncer // makes writes durable

	// Per Apply call.
	uses     map[tree.Digest]int
	keep     map[tree.Digest]bool // wanted by a later transition: never moved away
	dirs     map[string]bool
	problems []endpoint.Problem
	flushed  bool
	cur      int     // the change being applied
	placer   *placer // lands new files in parallel
}

// New returns a Transitioner for the scanner's root, keeping what it removes or
// overwrites in bin.
// New files and directories get perms.
func New(sc *scan.Scanner, area *stage.Area, bin *trash.Bin, perms Permissions) *Transitioner {
	return &Transitioner{sc: sc, area: area, bin: bin, perms: perms, sync: osSyncer{}}
}

// Apply applies changes in order and returns, for each, what is now at its path;
// what it did is durable when it returns. Contents still arriving from the area's
// reception are waited for first.
func (t *Transitioner) Apply(ctx context.Context, changes []tree.Change) ([]*tree.Entry, []endpoint.Problem) {
	t.uses, t.dirs, t.problems, t.flushed = map[tree.Digest]int{}, map[string]bool{}, nil, false
	t.bin.Begin()
	defer func() {
		if t.bin.Kept() {
			t.bin.Prune()
		}
	}()
	for _, c := range changes {
		tree.Walk(c.New, "", func(_ string, e *tree.Entry) bool {
			if e.Kind == tree.File {
				t.uses[e.Digest]++
			}
			return true
		})
	}
	// Contents may still be arriving (a pipelined staging): wait for what these
	// changes need, so the flush before the first landing covers all of it.
	needs := make([]tree.Digest, 0, len(t.uses))
	t.keep = map[tree.Digest]bool{}
	for d, n := range t.uses {
		needs = append(needs, d)
		if t.area.Uses(d) > n {
			t.keep[d] = true
		}
	}
	t.area.Await(ctx, needs) // cancelled: every change below reports it
	results := make([]*tree.Entry, len(changes))
	t.placer = newPlacer(t)
	for i, c := range changes {
		if ctx.Err() != nil {
			results[i] = c.Old
			t.problem(c.Path, "cancelled")
			continue
		}
		t.cur = i
		results[i] = t.apply(c)
	}
	t.placer.finish(changes, results)
	t.placer = nil
	t.syncLanded(changes)
	return results, t.problems
}

func (t *Transitioner) problem(path, format string, args ...any) {
	t.problems = append(t.problems, endpoint.Problem{Path: path, Error: fmt.Sprintf(format, args...)})
}

func (t *Transitioner) apply(c tree.Change) *tree.Entry {
	if err := tree.ValidPath(c.Path); err != nil {
		t.problem(c.Path, "%v", err)
		return c.Old
	}
	if c.From != "" {
		return t.respell(c)
	}
	if c.Path != "" {
		parent, _ := tree.Split(c.Path)
		if err := t.realDir(parent); err != nil {
			t.problem(c.Path, "%v", err)
			return c.Old
		}
	}
	old, new := c.Old, c.New
	switch {
	case old != nil && new != nil && old.Kind == tree.File && new.Kind == tree.File:
		return t.replaceFile(c.Path, old, new)
	case old != nil:
		remaining := t.remove(c.Path, old)
		if remaining != nil || new == nil {
			return remaining
		}
	}
	return t.create(c.Path, new)
}

// respell renames the entry c.Old at c.From to c.Path, a spelling of the same name on
// this file system (see tree.Change), and returns what is at c.Path then: c.New, or
// nil when nothing was renamed. It goes through a temporary name: a rename to a name
// the file system finds to be the same file does nothing on some systems (Linux over
// FUSE). Nothing that appeared at c.Path meanwhile is replaced.
func (t *Transitioner) respell(c tree.Change) *tree.Entry {
	if err := tree.ValidPath(c.From); err != nil || c.From == "" {
		t.problem(c.Path, "invalid path %q to rename from", c.From)
		return nil
	}
	if parent, _ := tree.Split(c.Path); true {
		if err := t.realDir(parent); err != nil {
			t.problem(c.Path, "%v", err)
			return nil
		}
	}
	if why := t.unchanged(c.From, c.Old); why != "" {
		t.problem(c.From, "not renamed to %s: %s", c.Path, why)
		return nil
	}
	from, to := t.sc.Abs(c.From), t.sc.Abs(c.Path)
	tmp := filepath.Join(filepath.Dir(to), scan.TempPrefix+"rename-"+filepath.Base(to))
	if err := os.Rename(from, tmp); err != nil {
		t.problem(c.From, "not renamed to %s: %v", c.Path, unwrap(err))
		return nil
	}
	if err := t.rename(tmp, to, true); err != nil {
		os.Rename(tmp, from)
		t.problem(c.From, "not renamed to %s: %v", c.Path, unwrap(err))
		return nil
	}
	if c.Old != nil && c.Old.Kind == tree.File {
		t.record(c.Path, c.Old.Digest)
	}
	return c.New
}

// realDir checks that p and each of its parents is a directory, not a link to one.
func (t *Transitioner) realDir(p string) error {
	for q := p; ; {
		if t.dirs[q] {
			break
		}
		info, err := os.Lstat(t.sc.Abs(q))
		if err != nil {
			return fmt.Errorf("parent directory %q: %w", q, unwrap(err))
		}
		if !info.IsDir() {
			return fmt.Errorf("parent %q is no longer a directory", q)
		}
		t.dirs[q] = true
		if q == "" {
			break
		}
		q, _ = tree.Split(q)
	}
	return nil
}

// unchanged reports why the entry at p differs from what the scan saw (old), or "" if
// it does not.
func (t *Transitioner) unchanged(p string, old *tree.Entry) string {
	abs := t.sc.Abs(p)
	key, info, err := scan.Lstat(abs)
	if old == nil {
		if err == nil {
			return "something was created there since the scan"
		}
		return ""
	}
	if err != nil {
		return fmt.Sprintf("it changed since the scan (%v)", unwrap(err))
	}
	switch old.Kind {
	case tree.File:
		cached, digest, ok := t.sc.Cached(p)
		if !info.Mode().IsRegular() || !ok || cached != key || digest != old.Digest || t.sc.Executable(info.Mode()) != old.Executable {
			return "it was modified since the scan"
		}
	case tree.Symlink:
		target, err := os.Readlink(abs)
		if err != nil || info.Mode()&fs.ModeSymlink == 0 || filepath.ToSlash(target) != old.Target {
			return "the link changed since the scan"
		}
	case tree.Directory:
		if !info.IsDir() {
			return "it is no longer a directory"
		}
	default:
		return "untracked content is never replaced or removed"
	}
	return ""
}

// remove deletes old from p, checking each part, and returns what remains (nil when
// everything is gone).
func (t *Transitioner) remove(p string, old *tree.Entry) *tree.Entry {
	if why := t.unchanged(p, old); why != "" {
		t.problem(p, "not removed: %s", why)
		return old
	}
	if old.Kind != tree.Directory {
		if err := t.bin.Move(p, t.sc.Abs(p)); err != nil {
			if _, serr := os.Lstat(t.sc.Abs(p)); errors.Is(serr, fs.ErrNotExist) {
				return nil
			}
			t.problem(p, "not removed: %v", err)
			return old
		}
		return nil
	}
	remaining := map[string]*tree.Entry{}
	for _, name := range sortedNames(old.Contents) {
		if r := t.remove(tree.Join(p, name), old.Contents[name]); r != nil {
			remaining[name] = r
		}
	}
	if len(remaining) > 0 {
		return tree.NewDir(remaining)
	}
	if err := os.Remove(t.sc.Abs(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		why := unwrap(err).Error()
		if isNotEmpty(err) {
			why = "it holds content created since the scan, or ignored content"
		}
		t.problem(p, "directory not removed: %s", why)
		return tree.NewDir(nil)
	}
	delete(t.dirs, p)
	return nil
}

// create builds new at p, where nothing was, and returns what it created.
func (t *Transitioner) create(p string, new *tree.Entry) *tree.Entry {
	if why := nameProblem(t.sc.Root(), p); why != "" {
		t.problem(p, "not created: %s", why)
		return nil
	}
	abs := t.sc.Abs(p)
	switch new.Kind {
	case tree.File:
		mode := t.perms.fileMode(new.Executable)
		if t.placer.take(p, new, mode) {
			return new // landed by a worker; a failure patches the result later
		}
		if err := t.place(p, new, mode, true); err != nil {
			t.problem(p, "%v", err)
			return nil
		}
		return new
	case tree.Symlink:
		if err := os.Symlink(filepath.FromSlash(new.Target), abs); err != nil {
			t.problem(p, "creating link: %v", unwrap(err))
			return nil
		}
		if err := t.perms.own(abs); err != nil {
			t.problem(p, "link created, but %v", err)
		}
		return new
	case tree.Directory:
		if created, err := t.perms.mkdir(abs); !created {
			t.problem(p, "creating directory: %v", unwrap(err))
			return nil
		} else if err != nil {
			// Created, but its mode or owner could not be set: its contents still land.
			t.problem(p, "directory created, but %v", err)
		}
		t.dirs[p] = true
		contents := make(map[string]*tree.Entry, len(new.Contents))
		whole := true // every entry below was created as it is in new
		for _, name := range sortedNames(new.Contents) {
			child := new.Contents[name]
			c := t.create(tree.Join(p, name), child)
			if c != nil {
				contents[name] = c
			}
			whole = whole && c == child
		}
		if whole {
			return new
		}
		// What is there: a subdirectory only partly created is in it as it is, never
		// as new (that would record files that never landed, and the next cycle
		// would take their absence for a deletion).
		return tree.NewDir(contents)
	}
	t.problem(p, "cannot create %s content", new.Kind)
	return nil
}

// replaceFile replaces the file old at p with new, or only flips its executable bit
// when the contents are the same.
func (t *Transitioner) replaceFile(p string, old, new *tree.Entry) *tree.Entry {
	if why := t.unchanged(p, old); why != "" {
		t.problem(p, "not replaced: %s", why)
		return old
	}
	abs := t.sc.Abs(p)
	info, err := os.Lstat(abs)
	if err != nil {
		t.problem(p, "not replaced: %v", unwrap(err))
		return old
	}
	mode := t.perms.replacedMode(info.Mode(), new.Executable)
	if old.Digest == new.Digest && old.Size == new.Size {
		if err := os.Chmod(abs, mode); err != nil {
			t.problem(p, "changing permissions: %v", unwrap(err))
			return old
		}
		t.record(p, new.Digest)
		return new
	}
	if t.area.Path(new.Digest) == "" {
		// Checked before the trash links the old version: a link changes the file's
		// ctime, and nothing would replace it.
		t.problem(p, "%v", errNotStaged)
		return old
	}
	if err := t.bin.Link(p, abs); err != nil {
		t.problem(p, "not replaced: %v", err)
		return old
	}
	if err := t.place(p, new, mode, false); err != nil {
		t.problem(p, "%v", err)
		return old
	}
	return new
}

// withExecutable sets or clears the executable bits of perm (set where readable).
func withExecutable(perm fs.FileMode, exec bool) fs.FileMode {
	if exec {
		return perm | (perm&0o444)>>2
	}
	return perm &^ 0o111
}

// record notes the new version of the file at p in the scan cache.
func (t *Transitioner) record(p string, digest tree.Digest) {
	if key, _, err := scan.Lstat(t.sc.Abs(p)); err == nil {
		t.sc.Record(p, key, digest)
	}
}

func sortedNames(m map[string]*tree.Entry) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
