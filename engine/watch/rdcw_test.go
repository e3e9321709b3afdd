package watch

import (
	"encoding/binary"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/ignore"
)

// notifyBuffer lays records out as ReadDirectoryChangesW fills its buffer: each
// FILE_NOTIFY_INFORMATION DWORD-aligned, NextEntryOffset 0 on the last.
func notifyBuffer(changes ...dirChange) []byte {
	var buf []byte
	for i, c := range changes {
		name := utf16.Encode([]rune(c.Name))
		size := fileNotifyHeaderBytes + 2*len(name)
		size = (size + 3) &^ 3
		rec := make([]byte, size)
		if i < len(changes)-1 {
			binary.LittleEndian.PutUint32(rec, uint32(size))
		}
		binary.LittleEndian.PutUint32(rec[4:], c.Action)
		binary.LittleEndian.PutUint32(rec[8:], uint32(2*len(name)))
		for j, u := range name {
			binary.LittleEndian.PutUint16(rec[fileNotifyHeaderBytes+2*j:], u)
		}
		buf = append(buf, rec...)
	}
	return buf
}

func TestParseNotify(t *testing.T) {
	want := []dirChange{
		{fileActionAdded, `src\main.go`},
		{fileActionModified, `café\日本.txt`},
		{fileActionRenamedOld, `a`},
		{fileActionRenamedNew, `emoji😀`},
	}
	got, err := parseNotify(notifyBuffer(want...))
	require.NoError(t, err)
	require.Equal(t, want, got)

	buf := notifyBuffer(want...)
	for _, bad := range [][]byte{
		buf[:5],                                // truncated header
		buf[:fileNotifyHeaderBytes+3],          // name cut short
		append([]byte{3, 0, 0, 0}, buf[4:]...), // next offset not aligned
	} {
		_, err := parseNotify(bad)
		require.Error(t, err)
	}
}

// The sequences below are what ReadDirectoryChangesW reports (FILE_NOTIFY_CHANGE_
// FILE_NAME | DIR_NAME | ATTRIBUTES | SIZE | LAST_WRITE | CREATION, subtree) for
// common operations on NTFS, written out by hand from the documented actions: a save
// by rename reports the old and new names, a folder created brings the folder first,
// a folder moved in brings one record, a directory is often reported modified when
// its entries change. They were not recorded on Windows by this test suite.
func TestRDCWSequences(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changes []dirChange
		want    map[string]bool
		full    bool
	}{
		{"create, write and delete a file", []dirChange{
			{fileActionAdded, `a.txt`},
			{fileActionModified, `a.txt`},
			{fileActionModified, `a.txt`},
			{fileActionRemoved, `a.txt`},
		}, map[string]bool{"a.txt": true}, false},
		{"save by atomic rename over the old file", []dirChange{
			{fileActionAdded, `src\main.go.tmp`},
			{fileActionModified, `src\main.go.tmp`},
			{fileActionRemoved, `src\main.go`},
			{fileActionRenamedOld, `src\main.go.tmp`},
			{fileActionRenamedNew, `src\main.go`},
			{fileActionModified, `src`},
		}, map[string]bool{"src/main.go.tmp": true, "src/main.go": true, "src": false}, false},
		{"a new folder with files", []dirChange{
			{fileActionAdded, `new`},
			{fileActionAdded, `new\deep`},
			{fileActionAdded, `new\deep\g.txt`},
		}, map[string]bool{"new": true, "new/deep": true, "new/deep/g.txt": true}, false},
		{"a folder moved in from outside brings one record", []dirChange{
			{fileActionAdded, `vendor\lib`},
		}, map[string]bool{"vendor/lib": true}, false},
		{"a folder renamed inside the root", []dirChange{
			{fileActionRenamedOld, `docs`},
			{fileActionRenamedNew, `manual`},
		}, map[string]bool{"docs": false, "manual": true}, false},
		{"rmdir /s of a folder", []dirChange{
			{fileActionRemoved, `out\sub\b.bin`},
			{fileActionRemoved, `out\sub`},
			{fileActionRemoved, `out\a.bin`},
			{fileActionRemoved, `out`},
		}, map[string]bool{"out/sub/b.bin": false, "out/sub": false, "out/a.bin": false, "out": false}, false},
		{"a short name re-lists the parent", []dirChange{
			{fileActionModified, `docs\LONGFI~1.TXT`},
		}, map[string]bool{"docs": false}, false},
		{"a short name at the top rescans", []dirChange{
			{fileActionRemoved, `PROGRA~1\x`},
		}, nil, true},
		{"names that only look short", []dirChange{
			{fileActionModified, `a~1.txt`},
			{fileActionModified, `NOTE~.TXT`},
			{fileActionModified, `REPORT~2023.pdf`},
		}, map[string]bool{"a~1.txt": false, "NOTE~.TXT": false, "REPORT~2023.pdf": false}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changes, err := parseNotify(notifyBuffer(tc.changes...))
			require.NoError(t, err)
			b := rdcwTranslator{}.translate(changes)
			require.Equal(t, tc.full, b.full)
			if tc.want == nil {
				require.Empty(t, b.dirty)
				return
			}
			require.Equal(t, tc.want, b.dirty)
		})
	}
}

func TestRDCWIgnoredPaths(t *testing.T) {
	m, err := ignore.Compile([]string{"node_modules/", "*.o", ".git/"})
	require.NoError(t, err)
	b := rdcwTranslator{ignore: m}.translate([]dirChange{
		{fileActionAdded, `node_modules`},
		{fileActionAdded, `node_modules\left-pad\index.js`},
		{fileActionModified, `web\node_modules\x\y.js`},
		{fileActionModified, `main.o`},
		{fileActionModified, `.git\index`},
		{fileActionAdded, `src\.ferry-tmp-99`},
		{fileActionModified, `src\keep.c`},
	})
	// The records do not say that node_modules is a directory, and "node_modules/"
	// ignores only directories: it is reported (the scan then ignores it), its
	// contents are not.
	require.Equal(t, map[string]bool{"node_modules": true, "src/keep.c": false}, b.dirty)
}

func TestRDCWRootNamed(t *testing.T) {
	require.True(t, rootNamed([]dirChange{{fileActionRenamedOld, `proj`}}, "proj"))
	require.True(t, rootNamed([]dirChange{{fileActionRemoved, `PROJ`}}, "proj"), "Windows names compare without case")
	require.True(t, rootNamed([]dirChange{{fileActionAdded, `other`}, {fileActionAdded, `proj`}}, "proj"))
	require.False(t, rootNamed([]dirChange{{fileActionModified, `proj`}}, "proj"), "the root's entries changed, not its name")
	require.False(t, rootNamed([]dirChange{{fileActionRemoved, `proj2`}, {fileActionAdded, `pro`}}, "proj"))
}
