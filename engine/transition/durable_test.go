package transition

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/tree"
)

// countingSyncer records what a transition asks to make durable, and for each request
// how many of the watched files held their new content when it was made.
type countingSyncer struct {
	mu      sync.Mutex
	landed  func() int
	calls   []syncCall
	fsCalls int
}

type syncCall struct {
	fileSystem string   // the directory whose file system was synced, or ""
	dirs       []string // the directories synced
	landed     int      // watched files holding their new content at the time
}

func (s *countingSyncer) dirs(dirs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, syncCall{dirs: append([]string(nil), dirs...), landed: s.landed()})
}

func (s *countingSyncer) fileSystem(dir string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fsCalls++
	s.calls = append(s.calls, syncCall{fileSystem: dir, landed: s.landed()})
	return true
}

// stageContents stages contents through the receiver in one staging, as one cycle's
// transfer would, and returns their entries.
func (f *fixture) stageContents(contents []string) []*tree.Entry {
	var files []endpoint.StageFile
	entries := make([]*tree.Entry, len(contents))
	byDigest := map[tree.Digest]string{}
	for i, c := range contents {
		entries[i] = tree.NewFile(int64(len(c)), scan.Digest([]byte(c)), false)
		files = append(files, endpoint.StageFile{Path: fmt.Sprintf("x/%d", i), Digest: entries[i].Digest, Size: entries[i].Size})
		byDigest[entries[i].Digest] = c
	}
	needed, err := f.area.Stage(context.Background(), files, nil, false)
	require.NoError(f.t, err)
	r, err := f.area.Receiver()
	require.NoError(f.t, err)
	for i, n := range needed {
		require.NoError(f.t, r.Begin(i))
		require.NoError(f.t, r.Op(delta.Op{Kind: delta.OpData, Data: []byte(byDigest[n.Digest])}))
		require.NoError(f.t, r.End())
	}
	problems, err := r.Close()
	require.NoError(f.t, err)
	require.Empty(f.t, problems)
	return entries
}

// TestDurabilityIsProportionalToTheCycle checks what a transition makes durable and
// when: a one-file cycle syncs its staged file's shard directory before it lands and
// the file's directory after, and never the whole file system (that waits for every
// other program's pending writes); a cycle of many files syncs the file system once
// before the first lands (their data), and once after the last (their directories)
// when they are in more than syncDirsMax directories, else those directories.
func TestDurabilityIsProportionalToTheCycle(t *testing.T) {
	many := syncDirsMax + 10
	tests := []struct {
		name    string
		files   int // new files, each in a directory of its own, or all in one
		ownDirs bool
		edit    bool // one existing file replaced instead
		// want: syncs of the file system before and after landing
		fsBefore, fsAfter bool
	}{
		{name: "one file edited", edit: true},
		{name: "one file created", files: 1},
		{name: "many files in many directories", files: many, ownDirs: true, fsBefore: true, fsAfter: true},
		{name: "many files in one directory", files: many, fsBefore: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, map[string]string{"a/b/f.txt": "old"})
			root := f.scan()
			var changes []tree.Change
			var watched, want []string // the paths that land, and their new contents
			if tt.edit {
				e := f.stageContents([]string{"new"})[0]
				changes = []tree.Change{{Path: "a/b/f.txt", Old: tree.Lookup(root, "a/b/f.txt"), New: e}}
				watched, want = []string{"a/b/f.txt"}, []string{"new"}
			} else {
				var contents []string
				for i := range tt.files {
					contents = append(contents, fmt.Sprintf("content %d", i))
				}
				entries := f.stageContents(contents)
				dir := map[string]*tree.Entry{}
				for i, e := range entries {
					name := fmt.Sprintf("f%d", i)
					if tt.ownDirs {
						dir[fmt.Sprintf("d%d", i)] = tree.NewDir(map[string]*tree.Entry{name: e})
						watched = append(watched, fmt.Sprintf("new/d%d/%s", i, name))
					} else {
						dir[name] = e
						watched = append(watched, "new/"+name)
					}
					want = append(want, contents[i])
				}
				changes = []tree.Change{{Path: "new", New: tree.NewDir(dir)}}
			}
			s := &countingSyncer{landed: func() int {
				n := 0
				for i, p := range watched {
					if b, err := os.ReadFile(filepath.Join(f.root, p)); err == nil && string(b) == want[i] {
						n++
					}
				}
				return n
			}}
			f.tr.sync = s
			_, problems := f.tr.Apply(context.Background(), changes)
			require.Empty(t, problems)
			require.Equal(t, len(watched), s.landed(), "everything landed")

			require.Len(t, s.calls, 2, "one request before landing, one after: %+v", s.calls)
			before, after := s.calls[0], s.calls[1]
			require.Zero(t, before.landed, "content landed before it was made durable")
			require.Equal(t, len(watched), after.landed, "the landing was made durable before all of it had landed")
			if tt.fsBefore {
				require.Equal(t, f.area.Dir(), before.fileSystem, "many staged files: one sync of the file system")
			} else {
				require.Empty(t, before.fileSystem, "a few staged files: the file system synced")
				require.NotEmpty(t, before.dirs, "the staged files' directories are not synced")
				for _, d := range before.dirs {
					require.True(t, strings.HasPrefix(d, f.area.Dir()), "%s is not a shard directory", d)
				}
			}
			if tt.fsAfter {
				require.Equal(t, f.root, after.fileSystem, "many directories: one sync of the file system")
				require.Equal(t, 2, s.fsCalls)
				return
			}
			require.Empty(t, after.fileSystem, "a few directories: the file system synced")
			wantDirs := map[string]bool{filepath.Join(f.root, "a", "b"): true} // f.txt's
			if !tt.edit {
				wantDirs = map[string]bool{f.root: true, filepath.Join(f.root, "new"): true}
				for _, p := range watched {
					wantDirs[filepath.Dir(filepath.Join(f.root, p))] = true
				}
			}
			got := map[string]bool{}
			for _, d := range after.dirs {
				got[d] = true
			}
			require.Equal(t, wantDirs, got, "the directories synced after landing")
		})
	}
}
