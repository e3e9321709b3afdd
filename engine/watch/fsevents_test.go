package watch

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/ignore"
)

// The sequences below are what FSEvents delivers (kFSEventStreamCreateFlagFileEvents
// | kFSEventStreamCreateFlagWatchRoot) for common operations on macOS, written out by
// hand from Apple's FSEvents.h and from what file-event streams report: flags are
// sticky within the coalescing window (a removal may still carry Created and
// Modified), a rename reports both names with ItemRenamed, a folder moved in from
// outside brings one record for the folder and none for its contents, rm -rf reports
// each entry deepest first. They were not recorded on a Mac by this test suite.

const (
	fsRoot    = "/Users/dev/proj"
	fsMarkers = "/Users/dev/.ferry/sync/sync_x/markers-alpha"
)

func fsTr(t *testing.T, patterns ...string) *fsTranslator {
	t.Helper()
	var m *ignore.Matcher
	if len(patterns) > 0 {
		var err error
		m, err = ignore.Compile(patterns)
		require.NoError(t, err)
	}
	return &fsTranslator{roots: []string{fsRoot}, markers: []string{fsMarkers}, ignore: m}
}

func TestFSEventsSequences(t *testing.T) {
	const (
		file    = fseItemIsFile
		dir     = fseItemIsDir
		created = fseItemCreated
		removed = fseItemRemoved
		renamed = fseItemRenamed
		mod     = fseItemModified
		meta    = fseItemInodeMetaMod
	)
	for _, tc := range []struct {
		name   string
		events []fsEvent
		want   map[string]bool
	}{
		{"create, modify and delete a file", []fsEvent{
			{fsRoot + "/a.txt", created | mod | file, 100},
			{fsRoot + "/a.txt", created | mod | meta | file, 101},
			{fsRoot + "/a.txt", created | mod | meta | removed | file, 102},
		}, map[string]bool{"a.txt": false}},
		{"save by atomic rename", []fsEvent{
			{fsRoot + "/src/main.go.tmp-8812", created | mod | file, 200},
			{fsRoot + "/src/main.go.tmp-8812", created | mod | renamed | file, 201},
			{fsRoot + "/src/main.go", renamed | file, 202},
		}, map[string]bool{"src/main.go.tmp-8812": false, "src/main.go": false}},
		{"rm -rf of a folder, deepest first", []fsEvent{
			{fsRoot + "/out/sub/b.bin", removed | file, 300},
			{fsRoot + "/out/sub", removed | dir, 301},
			{fsRoot + "/out/a.bin", removed | file, 302},
			{fsRoot + "/out", removed | dir, 303},
		}, map[string]bool{"out/sub/b.bin": false, "out/sub": true, "out/a.bin": false, "out": true}},
		{"a folder moved in from outside brings one record", []fsEvent{
			{fsRoot + "/vendor/lib", renamed | dir, 400},
		}, map[string]bool{"vendor/lib": true}},
		{"a folder moved out", []fsEvent{
			{fsRoot + "/old", renamed | dir, 410},
		}, map[string]bool{"old": true}},
		{"a folder renamed inside the root", []fsEvent{
			{fsRoot + "/docs", renamed | dir, 420},
			{fsRoot + "/manual", renamed | dir, 421},
		}, map[string]bool{"docs": true, "manual": true}},
		{"MustScanSubDirs below the root", []fsEvent{
			{fsRoot + "/src/", fseMustScanSubDirs, 500},
		}, map[string]bool{"src": true}},
		{"coalesced create and remove of a file is still reported", []fsEvent{
			{fsRoot + "/tmp.txt", created | removed | file, 600},
		}, map[string]bool{"tmp.txt": false}},
		{"coalesced create and remove of a folder is re-read whole", []fsEvent{
			{fsRoot + "/d", created | removed | dir, 610},
		}, map[string]bool{"d": true}},
		{"a path that changed kind within the window", []fsEvent{
			{fsRoot + "/x", created | removed | file | dir, 620},
		}, map[string]bool{"x": true}},
		{"a new folder and its files", []fsEvent{
			{fsRoot + "/new", created | dir, 700},
			{fsRoot + "/new/deep", created | dir, 701},
			{fsRoot + "/new/deep/g.txt", created | mod | file, 702},
		}, map[string]bool{"new": true, "new/deep": true, "new/deep/g.txt": false}},
		{"chmod of a folder re-lists it only", []fsEvent{
			{fsRoot + "/src", meta | dir, 800},
		}, map[string]bool{"src": false}},
		{"a symbolic link", []fsEvent{
			{fsRoot + "/link", created | fseItemIsSymlink, 810},
		}, map[string]bool{"link": false}},
		{"xattr and owner changes", []fsEvent{
			{fsRoot + "/a", fseItemXattrMod | file, 820},
			{fsRoot + "/b", fseItemChangeOwner | file, 821},
			{fsRoot + "/c", fseItemCloned | created | file, 822},
		}, map[string]bool{"a": false, "b": false, "c": false}},
		{"a directory-level record without item flags", []fsEvent{
			{fsRoot + "/src/", 0, 830},
		}, map[string]bool{"src": false}},
		{"a sibling sharing the root's prefix is not the root", []fsEvent{
			{"/Users/dev/projects/x.txt", created | file, 900},
			{"/Users/dev/proj-old/y.txt", created | file, 901},
			{"/Users/dev", meta | dir, 902},
		}, nil},
		{"the root's own metadata", []fsEvent{
			{fsRoot, meta | dir, 910},
		}, nil},
		{"history done and wrapped ids carry no change", []fsEvent{
			{"", fseHistoryDone, 0},
			{"", fseEventIDsWrapped, 0},
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := fsTr(t).translate(tc.events)
			require.False(t, b.full || b.dropped || b.rootChanged, "%+v", b)
			if tc.want == nil {
				require.Empty(t, b.dirty)
				require.True(t, b.empty())
				return
			}
			require.Equal(t, tc.want, b.dirty)
		})
	}
}

func TestFSEventsWholeRescans(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		ev                         fsEvent
		full, dropped, rootChanged bool
	}{
		{"MustScanSubDirs on the root", fsEvent{fsRoot + "/", fseMustScanSubDirs, 1}, true, false, false},
		{"events dropped by the client", fsEvent{"/", fseMustScanSubDirs | fseUserDropped, 2}, false, true, false},
		{"events dropped by the kernel", fsEvent{fsRoot, fseMustScanSubDirs | fseKernelDropped, 3}, false, true, false},
		{"RootChanged (id 0, the watched path)", fsEvent{fsRoot, fseRootChanged, 0}, false, false, true},
		{"rm -rf of the root removes the root item", fsEvent{fsRoot, fseItemRemoved | fseItemIsDir, 4}, false, false, true},
		{"the root renamed", fsEvent{fsRoot, fseItemRenamed | fseItemIsDir, 5}, false, false, true},
		{"a volume unmounted at the root", fsEvent{fsRoot, fseUnmount, 6}, true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := fsTr(t).translate([]fsEvent{tc.ev})
			require.Equal(t, tc.full, b.full, "full")
			require.Equal(t, tc.dropped, b.dropped, "dropped")
			require.Equal(t, tc.rootChanged, b.rootChanged, "rootChanged")
		})
	}
}

func TestFSEventsIgnoredPaths(t *testing.T) {
	tr := fsTr(t, "node_modules/", "*.o", ".git/", "/build")
	b := tr.translate([]fsEvent{
		{fsRoot + "/node_modules", fseItemCreated | fseItemIsDir, 1},
		{fsRoot + "/node_modules/left-pad/index.js", fseItemCreated | fseItemModified | fseItemIsFile, 2},
		{fsRoot + "/web/node_modules/x/y.js", fseItemModified | fseItemIsFile, 3},
		{fsRoot + "/main.o", fseItemModified | fseItemIsFile, 4},
		{fsRoot + "/.git/index", fseItemModified | fseItemIsFile, 5},
		{fsRoot + "/.git/objects/ab", fseMustScanSubDirs, 6},
		{fsRoot + "/build/out/x", fseItemCreated | fseItemIsFile, 7},
		{fsRoot + "/src/.ferry-tmp-1234", fseItemCreated | fseItemIsFile, 8},
		{fsRoot + "/src/keep.c", fseItemModified | fseItemIsFile, 9},
		{fsRoot + "/src/build/kept", fseItemModified | fseItemIsFile, 10}, // "/build" is anchored
		{fsRoot + "/node_modules.txt", fseItemModified | fseItemIsFile, 11},
	})
	require.Equal(t, map[string]bool{"src/keep.c": false, "src/build/kept": false, "node_modules.txt": false}, b.dirty)
}

func TestFSEventsMarkers(t *testing.T) {
	tr := fsTr(t)
	b := tr.translate([]fsEvent{
		{fsRoot + "/a", fseItemModified | fseItemIsFile, 1},
		{fsMarkers + "/barrier-42-1", fseItemCreated | fseItemIsFile, 2},
		{fsMarkers + "/barrier-42-1", fseItemCreated | fseItemRemoved | fseItemIsFile, 3}, // sticky flags on removal
		{fsMarkers + "/other", fseItemCreated | fseItemIsFile, 4},
		{fsMarkers, fseItemInodeMetaMod | fseItemIsDir, 5},
	})
	require.Equal(t, []string{"barrier-42-1", "barrier-42-1"}, b.markers)
	require.Equal(t, map[string]bool{"a": false}, b.dirty, "marker events never reach the dirty set")

	b = tr.translate([]fsEvent{{fsMarkers + "/", fseMustScanSubDirs, 6}})
	require.True(t, b.dropped, "coalesced marker events cannot vouch for a barrier")
}

func TestFSEventsRootSpellings(t *testing.T) {
	tr := &fsTranslator{roots: []string{"/var/folders/xy/T/proj", "/private/var/folders/xy/T/proj"}}
	b := tr.translate([]fsEvent{
		{"/private/var/folders/xy/T/proj/f", fseItemCreated | fseItemIsFile, 1},
		{"/var/folders/xy/T/proj/g", fseItemCreated | fseItemIsFile, 2},
	})
	require.Equal(t, map[string]bool{"f": false, "g": false}, b.dirty)

	// A case-insensitive volume reports the on-disk case of the root.
	tr = &fsTranslator{roots: []string{"/Users/dev/Proj"}}
	b = tr.translate([]fsEvent{{"/Users/dev/proj/Readme.md", fseItemModified | fseItemIsFile, 3}})
	require.Equal(t, map[string]bool{"Readme.md": false}, b.dirty)
}

func TestRelativeTo(t *testing.T) {
	for _, tc := range []struct {
		p, root, rel string
		ok           bool
	}{
		{"/a/b", "/a/b", "", true},
		{"/a/b/c", "/a/b", "c", true},
		{"/a/bc", "/a/b", "", false},
		{"/a", "/a/b", "", false},
		{"/x", "/", "x", true},
		{"/A/B/c", "/a/b", "c", true},
	} {
		rel, ok := relativeTo(tc.p, []string{tc.root})
		require.Equal(t, tc.ok, ok, "%s in %s", tc.p, tc.root)
		require.Equal(t, tc.rel, rel, "%s in %s", tc.p, tc.root)
	}
}
