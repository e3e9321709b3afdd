package agentwire

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/tree"
)

// FuzzDecoders feeds hostile bytes to every decoder of agent messages: none may panic,
// and every path they accept is valid.
func FuzzDecoders(f *testing.F) {
	file := tree.NewFile(3, tree.Digest{1}, false)
	f.Add(AppendChanges(nil, []tree.Change{{Path: "a/b", Old: nil, New: file}}))
	f.Add(AppendStageFiles(nil, []endpoint.StageFile{{Path: "x", Size: 9}}))
	sig, _ := delta.Sign(bytes.NewReader(make([]byte, 5000)), 5000)
	f.Add(AppendNeeded(nil, []endpoint.Needed{{Path: "x", Size: 5000, Signature: sig}}))
	f.Add(AppendPatches(nil, []tree.Patch{{Path: "d", Entry: tree.NewDir(map[string]*tree.Entry{"f": file})}}))
	f.Add(AppendProblems(nil, []endpoint.Problem{{Path: "p", Error: "e"}}))
	f.Add(AppendTrash(nil, []endpoint.TrashItem{{Batch: "b", Path: "p", Size: 1}}))
	f.Add(binary.AppendUvarint(nil, 1<<40))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(p string) {
			if tree.ValidPath(p) != nil {
				t.Fatalf("accepted invalid path %q", p)
			}
		}
		if d := NewDecoder(data); true {
			for _, c := range d.Changes() {
				check(c.Path)
			}
		}
		if d := NewDecoder(data); true {
			for _, s := range d.StageFiles() {
				check(s.Path)
			}
		}
		if d := NewDecoder(data); true {
			for _, n := range d.Needed() {
				check(n.Path)
			}
		}
		if d := NewDecoder(data); true {
			for _, p := range d.Patches() {
				check(p.Path)
			}
		}
		NewDecoder(data).Problems()
		NewDecoder(data).Trees()
		for _, it := range NewDecoder(data).Trash() {
			check(it.Path)
		}
	})
}

// FuzzMessages feeds hostile streams to the message reader and the content receiver.
func FuzzMessages(f *testing.F) {
	var buf bytes.Buffer
	c := NewConn(nopCloser{&buf})
	c.Write(TypeBegin, binary.AppendUvarint(nil, 0))
	c.Write(TypeData, []byte("hello"))
	c.Write(TypeCopy, []byte{0, 1})
	c.Write(TypeEnd, nil)
	c.Write(TypeClose, nil)
	c.Flush()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewConn(nopCloser{bytes.NewBuffer(data)})
		Receive(c, &nullReceiver{}, TypeClose)
		c = NewConn(nopCloser{bytes.NewBuffer(data)})
		ReadHello(bytes.NewReader(data))
		for i := 0; i < 10; i++ {
			if _, _, err := c.Read(nil); err != nil {
				break
			}
		}
	})
}

type nopCloser struct{ *bytes.Buffer }

func (nopCloser) Close() error { return nil }

// nullReceiver accepts anything, like a receiver whose files all fail verification.
type nullReceiver struct{ open bool }

func (r *nullReceiver) Begin(int) error                    { r.open = true; return nil }
func (r *nullReceiver) Op(delta.Op) error                  { return nil }
func (r *nullReceiver) End() error                         { r.open = false; return nil }
func (r *nullReceiver) Skip(int, string) error             { return nil }
func (r *nullReceiver) Close() ([]endpoint.Problem, error) { return nil, nil }
