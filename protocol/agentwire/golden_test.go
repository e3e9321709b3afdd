package agentwire

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/tree"
)

var update = flag.Bool("update", false, "rewrite testdata/wire-v<Version>.golden")

// goldenMessages encodes one of each kind of message the daemon and the agent
// exchange, from fixed values.
func goldenMessages() []struct {
	name string
	data []byte
} {
	file := tree.NewFile(1234, tree.Digest{0xab, 0xcd, 15: 0xef}, true)
	dir := tree.NewDir(map[string]*tree.Entry{"a.txt": file, "link": tree.NewSymlink("a.txt"),
		"sub": tree.NewDir(map[string]*tree.Entry{"sock": tree.NewUntracked("a socket")})})
	var hello bytes.Buffer
	WriteHello(&hello, "v1.2.3-abcdef")
	var framed bytes.Buffer
	c := NewConn(nopCloser{&framed})
	c.Send(TypeOK, []byte("payload"))
	var content bytes.Buffer
	sc := NewConn(nopCloser{&content})
	snd := NewSender(sc, true)
	snd.Begin(3)
	snd.Op(delta.Op{Kind: delta.OpData, Data: bytes.Repeat([]byte("ferry "), 200)})
	snd.Op(delta.Op{Kind: delta.OpCopy, Block: 2, Count: 5})
	snd.End()
	sc.Flush()
	sig := &delta.Signature{BlockSize: 2048, Size: 5000}
	return []struct {
		name string
		data []byte
	}{
		{"hello", hello.Bytes()},
		{"frame", framed.Bytes()},
		{"content", content.Bytes()},
		{"scan flags", []byte{ScanFlags(endpoint.ScanOptions{Full: true, Barrier: true}), ScanFlags(endpoint.ScanOptions{}) | ScanPrefetch}},
		{"contents", AppendContents(nil, []endpoint.Content{{Digest: file.Digest, Data: []byte("small file")}, {Digest: tree.Digest{1}}})},
		{"tree", AppendTrees(nil, []*tree.Entry{dir, nil})},
		{"patches", AppendPatches(nil, []tree.Patch{{Path: "sub/new", Entry: file}, {Path: "gone"}})},
		{"stage files", AppendStageFiles(nil, []endpoint.StageFile{{Path: "a.txt", Digest: file.Digest, Size: 1234}})},
		{"needed", AppendNeeded(nil, []endpoint.Needed{{Path: "a.txt", Digest: file.Digest, Size: 1234, Signature: sig}, {Path: "b", Size: 1}})},
		{"changes", AppendChanges(nil, []tree.Change{{Path: "a.txt", Old: file, New: nil}, {Path: "d", New: dir}, {Path: "README", Old: file, New: file, From: "readme"}})},
		{"file system", AppendFileSystem(AppendFileSystem(nil, nil), &endpoint.FileSystem{CaseInsensitive: true, ExecutableBits: true, NoReplaceRename: true})},
		{"problems", AppendProblems(nil, []endpoint.Problem{{Path: "x", Error: "not replaced: it was modified since the scan"}})},
		{"trash", AppendTrash(nil, []endpoint.TrashItem{{Batch: "20261202T000000", Time: time.Unix(1796000000, 5).UTC(), Path: "old.txt", Size: 3, Link: true}})},
	}
}

// TestWireGolden pins the bytes of every agent message for this protocol Version. A
// change to any of them breaks agents of the same version that are already installed,
// so it must come with a new Version (which makes the daemon reinstall agents): bump
// Version, then run go test -update to write the new golden file.
func TestWireGolden(t *testing.T) {
	var b strings.Builder
	for _, m := range goldenMessages() {
		fmt.Fprintf(&b, "%s: %s\n", m.name, hex.EncodeToString(m.data))
	}
	path := filepath.Join("testdata", fmt.Sprintf("wire-v%d.golden", Version))
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file for protocol version %d: run go test -update", Version)
	require.Equal(t, string(want), b.String(),
		"the agent wire format changed without a new protocol version: bump agentwire.Version, then go test -update")
}
