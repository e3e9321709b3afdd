package session

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/tree"
)

// randomTree builds a directory of nested directories and files from rng.
func randomTree(rng *rand.Rand, depth int) *tree.Entry {
	contents := map[string]*tree.Entry{}
	for i := range rng.IntN(40) {
		var d tree.Digest
		d[0], d[1] = byte(i), byte(rng.IntN(256))
		contents[fmt.Sprintf("f%d", i)] = tree.NewFile(int64(rng.IntN(5000)), d, false)
	}
	if rng.IntN(4) == 0 {
		contents["link"] = tree.NewSymlink("f0")
	}
	if depth > 0 {
		for i := range rng.IntN(5) {
			contents[fmt.Sprintf("d%d", i)] = randomTree(rng, depth-1)
		}
	}
	return tree.NewDir(contents)
}

func applyChanges(root *tree.Entry, changes []tree.Change) *tree.Entry {
	for _, ch := range changes {
		root = tree.With(root, ch.Path, ch.New)
	}
	return root
}

// Split creations build the same tree, in pieces within the bounds.
func TestSplitCreationsBuildTheSameTree(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 7))
		whole := randomTree(rng, 3)
		other := randomTree(rng, 1)
		changes := []tree.Change{{Path: "a", New: whole}, {Path: "b", New: other}, {Path: "c", Old: other, New: whole}}
		maxFiles, maxBytes := 1+rng.IntN(60), uint64(1+rng.IntN(100_000))
		split := splitCreations(changes, maxFiles, maxBytes)
		require.True(t, tree.Equal(applyChanges(nil, changes), applyChanges(nil, split)), "seed %d", seed)
		for _, ch := range split {
			if ch.Old != nil || ch.New.Kind != tree.Directory {
				continue // replacements stay whole; a single file is what it is
			}
			n := tree.Count(ch.New)
			dirs := 0
			for _, e := range ch.New.Contents {
				if e.Kind == tree.Directory {
					dirs++
				}
			}
			if dirs > 0 {
				require.LessOrEqual(t, n.Files, uint64(maxFiles), "seed %d: %s", seed, ch.Path)
				require.LessOrEqual(t, n.TotalFileSize, maxBytes, "seed %d: %s", seed, ch.Path)
			}
		}
	}
}

// A batch ends before the first change with a content not yet sent; once the supply
// finished, everything is ready. Contents may be sent in any order.
func TestBatchesTakeWhatWasSent(t *testing.T) {
	var d [4]tree.Digest
	for i := range d {
		d[i][0] = byte(i + 1)
	}
	file := func(i int) *tree.Entry { return tree.NewFile(10, d[i], false) }
	changes := []tree.Change{
		{Path: "a", New: tree.NewDir(map[string]*tree.Entry{"x": file(0), "y": file(1)})},
		{Path: "b", New: tree.NewDir(nil)},
		{Path: "c", New: file(1)}, // content already needed by a
		{Path: "d", New: file(3)}, // found on the receiving side: not needed
		{Path: "e", New: file(2)},
		{Path: "r", From: "q", Old: file(0), New: file(0)},
	}
	needed := []endpoint.Needed{{Digest: d[0]}, {Digest: d[1]}, {Digest: d[2]}}
	need := lastNeeded(changes, needed)
	require.Equal(t, []int{1, 1, 1, 1, 2, 2}, need)

	sent := newSentFiles(len(needed))
	prefix, wake := sent.state()
	require.Equal(t, 0, readyEnd(need, 0, prefix, false), "nothing sent yet")
	sent.mark(1)
	select {
	case <-wake:
		t.Fatal("woken before the first file was sent")
	default:
	}
	sent.mark(0)
	<-wake
	prefix, _ = sent.state()
	require.Equal(t, 2, prefix)
	require.Equal(t, 4, readyEnd(need, 0, prefix, false), "a to d are ready, e waits")
	require.Equal(t, 4, readyEnd(need, 4, prefix, false))
	require.Equal(t, 6, readyEnd(need, 4, prefix, true), "the supply finished")
	sent.mark(2)
	prefix, _ = sent.state()
	require.Equal(t, 6, readyEnd(need, 4, prefix, false))
}

// gatedEndpoint wraps the receiving side to watch a pipelined cycle: it counts
// transitions, holds back the contents at gates (the k-th of gates evenly spread
// over the needed files waits until the k-th transition returned), and can fail from
// its failAt-th transition on (landing half of that batch first, as a daemon killed
// in its midst would have).
type gatedEndpoint struct {
	endpoint.Endpoint
	gates  int
	failAt int
	// landNone: the failing transition lands nothing (killed before it began).
	landNone bool

	mu          sync.Mutex
	needed      int
	transitions int
	landed      []chan struct{} // closed when the k-th transition returns
	gateTimeout bool
}

func newGated(gates, failAt int) *gatedEndpoint {
	g := &gatedEndpoint{gates: gates, failAt: failAt}
	for range gates + 1 {
		g.landed = append(g.landed, make(chan struct{}))
	}
	return g
}

func (g *gatedEndpoint) Stage(ctx context.Context, files []endpoint.StageFile, signatures bool) ([]endpoint.Needed, error) {
	n, err := g.Endpoint.Stage(ctx, files, signatures)
	g.mu.Lock()
	if g.needed == 0 {
		g.needed = len(n) // the first cycle's: the one the gates are for
	}
	g.mu.Unlock()
	return n, err
}

func (g *gatedEndpoint) Receiver(ctx context.Context) (endpoint.Receiver, error) {
	r, err := g.Endpoint.Receiver(ctx)
	if err != nil {
		return nil, err
	}
	return &gatedReceiver{Receiver: r, g: g}, nil
}

func (g *gatedEndpoint) Transition(ctx context.Context, changes []tree.Change) ([]*tree.Entry, []endpoint.Problem, error) {
	g.mu.Lock()
	g.transitions++
	n := g.transitions
	g.mu.Unlock()
	if g.failAt > 0 && n >= g.failAt {
		if n == g.failAt && !g.landNone {
			g.Endpoint.Transition(ctx, changes[:len(changes)/2])
		}
		return nil, nil, errors.New("killed")
	}
	res, problems, err := g.Endpoint.Transition(ctx, changes)
	if n <= len(g.landed) {
		close(g.landed[n-1])
	}
	return res, problems, err
}

type gatedReceiver struct {
	endpoint.Receiver
	g *gatedEndpoint
}

func (r *gatedReceiver) Begin(i int) error {
	g := r.g
	g.mu.Lock()
	gate := -1
	for k := 1; k <= g.gates; k++ {
		if i == g.needed*k/(g.gates+1) {
			gate = k - 1
		}
	}
	g.mu.Unlock()
	if gate >= 0 {
		// Not pipelined, the first landing would wait for this content: a deadlock,
		// which the timeout turns into a failure.
		select {
		case <-g.landed[gate]:
		case <-time.After(time.Minute):
			g.mu.Lock()
			g.gateTimeout = true
			g.mu.Unlock()
		}
	}
	return r.Receiver.Begin(i)
}

// manyFiles writes n files of a few hundred bytes under dir, in nested directories,
// and one directory with more files than a batch holds; it returns the contents.
func manyFiles(t *testing.T, dir string, n int) map[string]string {
	t.Helper()
	want := map[string]string{}
	for i := range n {
		p := fmt.Sprintf("d%02d/s%d/f%04d.txt", i%30, i%3, i)
		if i%4 == 0 {
			p = fmt.Sprintf("flat/f%04d.txt", i)
		}
		c := fmt.Sprintf("file %d %s", i, string(make([]byte, i%300)))
		if i%50 == 7 {
			c = "the same in many files, as licenses are" // shared across batches
		}
		write(t, filepath.Join(dir, p), c)
		want[p] = c
	}
	return want
}

// requireSame fails with the first few paths that differ (not the whole listing).
func requireSame(t *testing.T, want, got map[string]string) {
	t.Helper()
	var diff []string
	for p, c := range want {
		if g, ok := got[p]; !ok || g != c {
			diff = append(diff, "missing or different: "+p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			diff = append(diff, "extra: "+p)
		}
	}
	slices.Sort(diff)
	require.Empty(t, diff[:min(len(diff), 10)], "%d paths differ", len(diff))
}

func contentsOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			got[filepath.ToSlash(rel)] = read(t, p)
		}
		return nil
	}))
	return got
}

func gatedTransports(g *gatedEndpoint) Transports {
	return Transports{Local: func(ctx context.Context, req EndpointRequest) (endpoint.Endpoint, error) {
		ep, err := OpenLocal(ctx, req)
		if err != nil || req.Side != "beta" {
			return ep, err
		}
		g.Endpoint = ep
		return g, nil
	}}
}

// A first sync of many files lands its first batch while contents are still
// arriving, and ends with both sides equal.
func TestFirstSyncLandsInBatchesAsContentsArrive(t *testing.T) {
	g := newGated(1, 0)
	m, err := NewManager(t.TempDir(), gatedTransports(g), nil)
	require.NoError(t, err)
	t.Cleanup(m.Close)
	alpha, beta := t.TempDir(), filepath.Join(t.TempDir(), "mirror")
	want := manyFiles(t, alpha, 3000)

	_, err = m.Create(context.Background(), CreateRequest{Name: "big", Alpha: alpha, Beta: beta})
	require.NoError(t, err)
	flush(t, m, "big")
	st := state(t, m, "big")
	require.Zero(t, st.Alpha.ProblemCount+st.Beta.ProblemCount, "%+v %+v", st.Alpha.Problems, st.Beta.Problems)
	requireSame(t, want, contentsOf(t, beta))
	flush(t, m, "big")
	requireSame(t, want, contentsOf(t, alpha))
	requireSame(t, want, contentsOf(t, beta))
	g.mu.Lock()
	defer g.mu.Unlock()
	require.False(t, g.gateTimeout, "no batch landed while contents were still arriving")
	require.GreaterOrEqual(t, g.transitions, 2, "landed in batches")
	require.Zero(t, st.ConflictCount)
}

// A daemon killed between (and in the midst of) a pipelined cycle's batches leaves a
// journal the next one settles from the disk: both sides end equal, with no conflict.
func TestPipelinedLandingSurvivesAKill(t *testing.T) {
	t.Run("between and in the midst of batches", func(t *testing.T) { testPipelinedKill(t, newGated(2, 3)) })
	t.Run("before anything landed", func(t *testing.T) {
		g := newGated(0, 1)
		g.landNone = true
		testPipelinedKill(t, g)
	})
}

func testPipelinedKill(t *testing.T, g *gatedEndpoint) {
	data := t.TempDir()
	m, err := NewManager(data, gatedTransports(g), nil)
	require.NoError(t, err)
	alpha, beta := t.TempDir(), filepath.Join(t.TempDir(), "mirror")
	want := manyFiles(t, alpha, 3000)
	_, err = m.Create(context.Background(), CreateRequest{Name: "big", Alpha: alpha, Beta: beta})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.Error(t, m.Flush(ctx, registry.Selection{Specs: []string{"big"}}, FlushOptions{}))
	m.Close()
	landed := contentsOf(t, beta)
	if !g.landNone {
		require.NotEmpty(t, landed, "the first batches landed")
	}
	require.Less(t, len(landed), len(want), "the kill left the cycle unfinished")

	m, err = NewManager(data, Transports{Local: OpenLocal}, nil)
	require.NoError(t, err)
	t.Cleanup(m.Close)
	flush(t, m, "big")
	requireSame(t, want, contentsOf(t, beta))
	requireSame(t, want, contentsOf(t, alpha))
	st := state(t, m, "big")
	require.Zero(t, st.ConflictCount)
	require.Zero(t, st.Alpha.ProblemCount+st.Beta.ProblemCount, "%+v %+v", st.Alpha.Problems, st.Beta.Problems)
}

// A crash at any point of a pipelined cycle (any prefix of its split changes landed,
// the last one maybe in part) is settled from the disk to exactly what landed: the
// intents of nested changes that never landed make up no directory for them (one made
// up in an empty root halted a restarted first sync as "emptied").
func TestSplitIntentsSettleToWhatLanded(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 11))
		want := randomTree(rng, 3)
		for _, root := range []*tree.Entry{nil, tree.NewDir(nil)} {
			var changes []tree.Change
			if root == nil {
				changes = []tree.Change{{Path: "", New: want}}
			} else {
				for name, e := range want.Contents {
					changes = append(changes, tree.Change{Path: name, New: e})
				}
			}
			split := splitCreations(changes, 1+rng.IntN(30), uint64(1+rng.IntN(50_000)))
			k := rng.IntN(len(split) + 1)
			landed := applyChanges(root, split[:k])
			if k < len(split) && rng.IntN(2) == 0 {
				// The next change in part: a directory made, some of its files not.
				if ch := split[k]; ch.New.Kind == tree.Directory {
					part := map[string]*tree.Entry{}
					for name, e := range ch.New.Contents {
						if rng.IntN(2) == 0 {
							part[name] = e
						}
					}
					landed = tree.With(landed, ch.Path, tree.NewDir(part))
				}
			}
			anc := applyInOrder(root, settleIntents(intentsOf(nil, split), [2]*tree.Entry{want, landed}))
			require.True(t, tree.Equal(landed, anc), "seed %d, %d of %d landed", seed, k, len(split))
		}
	}
}
