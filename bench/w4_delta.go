package bench

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// delta is W4: a large file with scattered small edits, synced again by ferry and by
// rsync -a (its delta algorithm), both through a counting proxy in front of sshd so
// the bytes on the wire are measured (over the run's link, if it has one).
type delta struct{}

func (delta) ID() string { return "W4" }

// wireAlias is the ssh config alias that reaches sshd through the counting proxy.
const wireAlias = "devbox-wire"

func (delta) Run(ctx context.Context, e *Env) ([]Group, error) {
	size := e.Sizes.DeltaSize
	label := fmt.Sprintf("%s file, %d scattered 100-byte edits", fmtBytes(float64(size)), e.Sizes.DeltaEdits)
	wall := Group{Workload: "W4", Kind: Repeated, Title: label + ": wall time", Targets: []Target{
		{Row: "ferry", Stat: Median, Peer: "rsync -a", Bound: 0.7, Text: "≤ 0.7 × rsync"}}}
	wire := Group{Workload: "W4", Kind: Repeated, Title: label + ": bytes on the wire (both directions)", Targets: []Target{
		{Row: "ferry", Stat: Median, Peer: "rsync -a", Bound: 1.1, Text: "≤ 1.1 × rsync"}}}
	groups := func() []Group { return []Group{wall, wire} }

	proxy, err := StartProxy(e.SSHD.Addr(), e.Link)
	if err != nil {
		return groups(), err
	}
	defer proxy.Close()
	if err := e.AddAlias(wireAlias, proxy.Port()); err != nil {
		return groups(), err
	}
	dir := filepath.Join(e.Work, "w4")
	original := filepath.Join(dir, "original.dat")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return groups(), err
	}
	if err := writeRandomFile(original, size, 4); err != nil {
		return groups(), err
	}
	f, err := e.StartFerry("W4")
	if err != nil {
		return groups(), err
	}
	sides := []*deltaSide{
		{tool: "ferry", local: filepath.Join(dir, "ferry"), remote: e.RemotePath("w4-ferry")},
		{tool: "rsync -a", local: filepath.Join(dir, "rsync"), remote: e.RemotePath("w4-rsync")},
	}
	sides[0].sync = func(ctx context.Context) error {
		_, err := f.CLIContext(ctx, "sync", "flush", "delta")
		return err
	}
	sides[1].sync = func(ctx context.Context) error {
		return e.run(ctx, "rsync", "-a", "-e", e.sshCommand(), sides[1].local+"/", wireAlias+":"+sides[1].remote+"/")
	}
	err = func() error {
		for _, s := range sides {
			if err := copyFile(original, filepath.Join(s.local, "big.dat")); err != nil {
				return err
			}
		}
		// The first copies, untimed.
		if err := f.Sync(ctx, "delta", sides[0].local, wireAlias, sides[0].remote); err != nil {
			return err
		}
		if err := f.WaitStatus("delta", "watching", time.Minute); err != nil {
			return err
		}
		if err := sides[1].sync(ctx); err != nil {
			return err
		}
		for _, s := range sides {
			if err := s.verify(); err != nil {
				return fmt.Errorf("first copy: %w", err)
			}
		}
		return nil
	}()
	if err != nil {
		f.Stop()
		return groups(), err
	}
	wall.Rows = []Row{{Tool: "ferry", Unit: Seconds}, {Tool: "rsync -a", Unit: Seconds}}
	wire.Rows = []Row{{Tool: "ferry", Unit: Bytes}, {Tool: "rsync -a", Unit: Bytes}}
	for rep := range e.Reps {
		edits := scatteredEdits(size, e.Sizes.DeltaEdits, uint64(rep))
		for k := range sides {
			i := (k + rep) % len(sides)
			s := sides[i]
			if wall.Rows[i].Err != "" {
				continue
			}
			time.Sleep(time.Second) // let the previous sync's echoes (watch events, cycles) pass
			proxy.Reset()
			if err := s.edit(edits); err != nil {
				return groups(), err
			}
			d, err := timed(func() error { return s.sync(ctx) })
			up, down := proxy.Bytes()
			if err == nil {
				err = s.verify()
			}
			e.Logf("W4 rep %d: %s: %s, %s %v", rep+1, s.tool, fmtDuration(d.Seconds()), fmtBytes(float64(up+down)), errOrEmpty(err))
			if err != nil {
				wall.Rows[i].Err, wire.Rows[i].Err = err.Error(), err.Error()
				continue
			}
			wall.Rows[i].Samples = append(wall.Rows[i].Samples, d.Seconds())
			wire.Rows[i].Samples = append(wire.Rows[i].Samples, float64(up+down))
		}
	}
	if err := f.Healthy("delta"); err != nil {
		wall.Rows[0].Err = err.Error()
	}
	err = f.Stop() // the session stays, for the heap profile written at exit
	wall.Profiles = f.Profiles()
	for _, s := range sides {
		os.RemoveAll(s.local)
		os.RemoveAll(s.remote)
	}
	return groups(), errors.Join(err, ctx.Err())
}

// deltaSide is one tool's local folder (holding big.dat) and remote copy.
type deltaSide struct {
	tool          string
	local, remote string
	sync          func(ctx context.Context) error
}

// edit writes the edits into the local file and moves its mtime on by at least two
// seconds, so rsync's size-and-mtime check cannot miss the change.
func (s *deltaSide) edit(edits []fileEdit) error {
	name := filepath.Join(s.local, "big.dat")
	info, err := os.Stat(name)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	for _, ed := range edits {
		if _, err := f.WriteAt(ed.data, ed.off); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	mtime := time.Now()
	if next := info.ModTime().Add(2 * time.Second); mtime.Before(next) {
		mtime = next
	}
	return os.Chtimes(name, mtime, mtime)
}

// verify compares the remote copy's digest with the local file's.
func (s *deltaSide) verify() error {
	a, err := fileDigest(filepath.Join(s.local, "big.dat"))
	if err != nil {
		return err
	}
	b, err := fileDigest(filepath.Join(s.remote, "big.dat"))
	if err != nil {
		return err
	}
	if a != b {
		return errors.New("the remote copy differs from the local file")
	}
	return nil
}

type fileEdit struct {
	off  int64
	data []byte
}

// scatteredEdits draws n 100-byte edits at random offsets of a size-byte file.
func scatteredEdits(size int64, n int, seed uint64) []fileEdit {
	rng := rand.New(rand.NewPCG(seed, 4))
	out := make([]fileEdit, n)
	for i := range out {
		data := make([]byte, 100)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		out[i] = fileEdit{off: rng.Int64N(size - 100), data: data}
	}
	return out
}

func fileDigest(name string) ([32]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return [32]byte{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return [32]byte{}, err
	}
	var out [32]byte
	h.Sum(out[:0])
	return out, nil
}
