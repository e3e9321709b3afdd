package session

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/zeebo/xxh3"

	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/tree"
)

// The ancestor's history is a snapshot (ancestorFile) and a journal of what changed
// since (journalFile). A cycle that will transition anything first appends an intent
// record, made durable before the first change lands: the agreements its reconcile
// found and, per side, every change with what the side held (Old) and must hold (New).
// After the transition it appends the results. A crash between the two leaves an
// intent without results; after the restart's first scan, each of its changes is
// settled from what the side now holds (see settle), so a change that landed is
// recorded as landed and one that did not is not. The snapshot is rewritten in the
// background, and the records it covers are dropped.
//
// A record is length:uvarint payload checksum:8 bytes (XXH3 of the payload); its
// payload is kind:byte seq:uvarint, then for an intent: patches, intents; for a
// result: patches. A torn or corrupt tail is cut off when the journal is opened.
const journalFile = "journal"

const (
	recordIntent = 1
	recordResult = 2
)

// intent is a change about to be applied to one side.
type intent struct {
	side     int // 0 alpha, 1 beta
	path     string
	old, new *tree.Entry
}

// journal appends records to a session's journal file. The loop goroutine appends;
// the saver compacts; both under mu.
type journal struct {
	path string

	mu   sync.Mutex
	f    *os.File
	size int64
	last uint64 // seq of the last record in the file (0 when empty)
}

// history is what loading a session's ancestor yields.
type history struct {
	ancestor *tree.Entry
	seq      uint64   // the last sequence number used
	pending  []intent // an intent whose results were never recorded
}

// openJournal opens (creating) the journal in dir, replays it onto the snapshot anc
// (taken at snapSeq), and cuts off a torn tail.
func openJournal(dir string, anc *tree.Entry, snapSeq uint64) (*journal, history, error) {
	path := filepath.Join(dir, journalFile)
	h := history{ancestor: anc, seq: snapSeq}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, h, err
	}
	good := 0
	var last uint64
	for rest := data; len(rest) > 0; {
		kind, seq, body, n, ok := readRecord(rest)
		if !ok {
			break
		}
		rest, good, last = rest[n:], good+n, seq
		if seq <= snapSeq {
			continue
		}
		h.seq = seq
		d := &journalDecoder{b: body}
		patches := d.patches()
		var intents []intent
		if kind == recordIntent {
			intents = d.intents()
		}
		if d.err != nil {
			return nil, h, fmt.Errorf("reading %s: record %d: %w", path, seq, d.err)
		}
		h.ancestor = applyInOrder(h.ancestor, patches)
		switch kind {
		case recordIntent:
			h.pending = intents
		case recordResult:
			h.pending = nil
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, h, err
	}
	if good < len(data) {
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return nil, h, err
		}
	}
	if _, err := f.Seek(int64(good), io.SeekStart); err != nil {
		f.Close()
		return nil, h, err
	}
	h.seq = max(h.seq, last)
	return &journal{path: path, f: f, size: int64(good), last: last}, h, nil
}

// readRecord parses one record at the start of b.
func readRecord(b []byte) (kind byte, seq uint64, body []byte, n int, ok bool) {
	length, k := binary.Uvarint(b)
	if k <= 0 || length < 2 || uint64(len(b)-k) < length+8 {
		return 0, 0, nil, 0, false
	}
	payload := b[k : k+int(length)]
	sum := binary.LittleEndian.Uint64(b[k+int(length):])
	if xxh3.Hash(payload) != sum {
		return 0, 0, nil, 0, false
	}
	kind = payload[0]
	seq, m := binary.Uvarint(payload[1:])
	if m <= 0 || (kind != recordIntent && kind != recordResult) {
		return 0, 0, nil, 0, false
	}
	return kind, seq, payload[1+m:], k + int(length) + 8, true
}

// appendRecord writes a record; with sync it is durable when appendRecord returns.
func (j *journal) appendRecord(kind byte, seq uint64, body []byte, sync bool) error {
	payload := binary.AppendUvarint([]byte{kind}, seq)
	payload = append(payload, body...)
	rec := binary.AppendUvarint(nil, uint64(len(payload)))
	rec = append(rec, payload...)
	rec = binary.LittleEndian.AppendUint64(rec, xxh3.Hash(payload))
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(rec); err != nil {
		// Cut off what may have been written, so the next record follows a good one.
		j.f.Truncate(j.size)
		j.f.Seek(j.size, io.SeekStart)
		return fmt.Errorf("writing the journal: %w", err)
	}
	j.size += int64(len(rec))
	j.last = seq
	if sync {
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("syncing the journal: %w", err)
		}
	}
	return nil
}

// intend records, durably, the agreements found (patches) and the changes about to
// be applied.
func (j *journal) intend(seq uint64, patches []tree.Patch, intents []intent) error {
	body := appendIntents(appendPatches(nil, patches), intents)
	return j.appendRecord(recordIntent, seq, body, len(intents) > 0)
}

// record notes ancestor patches: a transition's results, or the settling of a
// recovered intent. It is not synced: if it is lost, the intent it completes is
// settled again from the disk.
func (j *journal) record(seq uint64, patches []tree.Patch) error {
	return j.appendRecord(recordResult, seq, appendPatches(nil, patches), false)
}

// compact drops the records a durable snapshot at seq covers.
func (j *journal) compact(seq uint64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.size == 0 {
		return nil
	}
	if j.last <= seq {
		// Everything is in the snapshot. If the truncation is lost in a crash, the
		// records are skipped on replay (their seq is not above the snapshot's).
		if err := j.f.Truncate(0); err != nil {
			return err
		}
		_, err := j.f.Seek(0, io.SeekStart)
		j.size = 0
		return err
	}
	// Keep the records after seq: rewrite them into a new file.
	data, err := os.ReadFile(j.path)
	if err != nil {
		return err
	}
	var keep []byte
	for rest := data[:min(int64(len(data)), j.size)]; len(rest) > 0; {
		_, s, _, n, ok := readRecord(rest)
		if !ok {
			break
		}
		if s > seq {
			keep = append(keep, rest[:n]...)
		}
		rest = rest[n:]
	}
	if err := registry.WriteFileAtomic(j.path, keep, 0o600); err != nil {
		return err
	}
	f, err := os.OpenFile(j.path, os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Seek(int64(len(keep)), io.SeekStart); err != nil {
		f.Close()
		return err
	}
	j.f.Close()
	j.f, j.size = f, int64(len(keep))
	return nil
}

func (j *journal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.f.Close()
}

// intentsOf lists a cycle's changes as intents.
func intentsOf(alpha, beta []tree.Change) []intent {
	out := make([]intent, 0, len(alpha)+len(beta))
	for side, changes := range [][]tree.Change{alpha, beta} {
		for _, ch := range changes {
			if ch.From != "" {
				continue // a rename interrupted is seen again, and made again, by the next look
			}
			out = append(out, intent{side: side, path: ch.Path, old: ch.Old, new: ch.New})
		}
	}
	return out
}

// settle returns what a change to old, meant to become new, left at its path, judged
// from what the side holds there now (cur): new where it landed, old where it did
// not, and for directories what landed below. Content that matches neither (changed
// since by someone else) counts as not landed, so the change that did not happen is
// never taken for one that did; at worst that reports a conflict.
func settle(cur, old, new *tree.Entry) *tree.Entry {
	switch {
	case tree.Equal(cur, new):
		return new
	case tree.Equal(cur, old):
		return old
	case cur == nil || cur.Kind != tree.Directory:
		return old
	case (old != nil && old.Kind != tree.Directory) || (new != nil && new.Kind != tree.Directory):
		if old != nil && old.Kind == tree.Directory {
			// A directory being removed, to be replaced by something else: what of
			// it remains.
			return settle(cur, old, nil)
		}
		if new != nil && new.Kind == tree.Directory {
			// Something replaced by a directory, which was then being filled.
			return settle(cur, nil, new)
		}
		return old
	}
	var oc, nc map[string]*tree.Entry
	if old != nil {
		oc = old.Contents
	}
	if new != nil {
		nc = new.Contents
	}
	contents := map[string]*tree.Entry{}
	for name := range unionOf(oc, nc) {
		if r := settle(cur.Contents[name], oc[name], nc[name]); r != nil {
			contents[name] = r
		}
	}
	return tree.NewDir(contents)
}

func unionOf(a, b map[string]*tree.Entry) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// settleIntents settles recovered intents against the sides' trees and returns the
// ancestor patches, shallow paths first (as transition results are applied).
func settleIntents(pending []intent, roots [2]*tree.Entry) []tree.Patch {
	patches := make([]tree.Patch, 0, len(pending))
	for _, in := range pending {
		patches = append(patches, tree.Patch{Path: in.path, Entry: settle(tree.Lookup(roots[in.side], in.path), in.old, in.new)})
	}
	slices.SortStableFunc(patches, func(a, b tree.Patch) int { return tree.Depth(a.Path) - tree.Depth(b.Path) })
	return patches
}

// applyInOrder applies patches one after another, as the transition's results are.
func applyInOrder(anc *tree.Entry, patches []tree.Patch) *tree.Entry {
	for _, p := range patches {
		anc = tree.With(anc, p.Path, p.Entry)
	}
	return anc
}

// Codec of record bodies.

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendPatches(b []byte, patches []tree.Patch) []byte {
	b = binary.AppendUvarint(b, uint64(len(patches)))
	for _, p := range patches {
		b = appendString(b, p.Path)
		b = tree.Encode(b, p.Entry)
	}
	return b
}

func appendIntents(b []byte, intents []intent) []byte {
	b = binary.AppendUvarint(b, uint64(len(intents)))
	for _, in := range intents {
		b = append(b, byte(in.side))
		b = appendString(b, in.path)
		b = tree.Encode(b, in.old)
		b = tree.Encode(b, in.new)
	}
	return b
}

type journalDecoder struct {
	b   []byte
	err error
}

func (d *journalDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errors.New("truncated number")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *journalDecoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = errors.New("truncated string")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *journalDecoder) path() string {
	p := d.string()
	if d.err == nil {
		if err := tree.ValidPath(p); err != nil {
			d.err = err
		}
	}
	return p
}

func (d *journalDecoder) entry() *tree.Entry {
	if d.err != nil {
		return nil
	}
	e, rest, err := tree.Decode(d.b)
	if err != nil {
		d.err = err
		return nil
	}
	d.b = rest
	return e
}

func (d *journalDecoder) patches() []tree.Patch {
	n := d.uvarint()
	var out []tree.Patch
	for i := uint64(0); i < n && d.err == nil; i++ {
		p := d.path()
		out = append(out, tree.Patch{Path: p, Entry: d.entry()})
	}
	return out
}

func (d *journalDecoder) intents() []intent {
	n := d.uvarint()
	var out []intent
	for i := uint64(0); i < n && d.err == nil; i++ {
		if len(d.b) == 0 {
			d.err = errors.New("truncated intent")
			break
		}
		side := int(d.b[0])
		d.b = d.b[1:]
		if side > 1 {
			d.err = fmt.Errorf("bad side %d", side)
			break
		}
		in := intent{side: side, path: d.path()}
		in.old, in.new = d.entry(), d.entry()
		out = append(out, in)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errors.New("trailing bytes")
	}
	return out
}
