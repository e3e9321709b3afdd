package bench

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLayoutIsAPureFunctionOfTheSpec(t *testing.T) {
	spec := TreeSpec{Files: 1000, MinSize: 100, MaxSize: 4000, PerDir: 50, Seed: 1}
	d1, f1 := spec.Layout()
	d2, f2 := spec.Layout()
	require.Equal(t, d1, d2)
	require.Equal(t, f1, f2)
	require.Len(t, d1, 19) // 20 directories, the root included
	for _, f := range f1 {
		require.True(t, f.size >= 100 && f.size <= 4000, "size %d", f.size)
	}
	_, other := TreeSpec{Files: 1000, MinSize: 100, MaxSize: 4000, PerDir: 50, Seed: 2}.Layout()
	require.NotEqual(t, f1, other)
}

func TestGenerateWritesTheSameTreeTwice(t *testing.T) {
	spec := TreeSpec{Files: 120, MinSize: 10, MaxSize: 300, PerDir: 10, Seed: 7}
	a, err := Generate(filepath.Join(t.TempDir(), "a"), spec)
	require.NoError(t, err)
	b, err := Generate(filepath.Join(t.TempDir(), "b"), spec)
	require.NoError(t, err)
	counted, err := Count(a.Path)
	require.NoError(t, err)
	require.Equal(t, a.Files, counted.Files)
	require.Equal(t, a.Dirs, counted.Dirs)
	require.Equal(t, a.Bytes, counted.Bytes)
	require.Empty(t, a.sameContents(b.Path))
	files, err := a.regularFiles()
	require.NoError(t, err)
	for _, rel := range files {
		x, err := os.ReadFile(filepath.Join(a.Path, rel))
		require.NoError(t, err)
		y, err := os.ReadFile(filepath.Join(b.Path, rel))
		require.NoError(t, err)
		require.Equal(t, x, y, rel)
	}
	require.NoError(t, os.WriteFile(filepath.Join(b.Path, files[0]), []byte("x"), 0o644))
	require.NotEmpty(t, a.sameContents(b.Path))
}

func TestStats(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3}
	tests := []struct {
		stat Stat
		want float64
	}{{Median, 3}, {Min, 1}, {Max, 5}, {P95, 4.8}, {MinOverMedian, 1.0 / 3}}
	for _, tt := range tests {
		t.Run(tt.stat.String(), func(t *testing.T) {
			require.InDelta(t, tt.want, tt.stat.Of(xs), 1e-9)
		})
	}
	require.True(t, math.IsNaN(Median.Of(nil)))
}

func TestJudge(t *testing.T) {
	g := Group{Kind: Repeated, Rows: []Row{
		{Tool: "ferry", Unit: Seconds, Samples: []float64{2, 1, 3}},
		{Tool: "rsync -a", Unit: Seconds, Samples: []float64{4}},
		{Tool: "unison", Err: "exit status 1"},
	}, Targets: []Target{
		{Row: "ferry", Stat: Median, Peer: "rsync -a", Bound: 0.8, Text: "≤ 0.8 × rsync"},
		{Row: "ferry", Stat: Median, Peer: "rsync -a", Bound: 0.4, Text: "≤ 0.4 × rsync"},
		{Row: "ferry", Stat: Median, Peer: "rsync -a", Bound: 0.6, AtLeast: true, Text: "≥ 0.6 × rsync"},
		{Row: "ferry", Stat: Median, Bound: 1, Text: "≤ 1 s"},
		{Row: "ferry", Stat: Median, Peer: "unison", Bound: 1, Text: "≤ unison"},
	}}
	tests := []struct {
		name    string
		holds   bool
		outcome string
	}{
		{"ratio holds", true, "✓ holds"},
		{"ratio misses", false, "✗ misses by 25% (1.2× the bound)"},
		{"at least misses", false, "✗ short by 17%"},
		{"absolute misses", false, "✗ misses by 100% (2.0× the bound)"},
		{"failed peer", false, "not measured"},
	}
	verdicts := g.Judge()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.holds, verdicts[i].Holds)
			require.Equal(t, tt.outcome, verdicts[i].Outcome())
		})
	}
	md := g.Markdown()
	require.Contains(t, md, "| rsync -a | 4.00 s | 4.00 s | 4.00 s | 1 | 0.5 |")
	require.Contains(t, md, "failed: exit status 1")
}

func TestReadProcSeesCPUAndMemory(t *testing.T) {
	before, err := ReadProc(os.Getpid())
	require.NoError(t, err)
	require.Greater(t, before.RSS, int64(1<<20))
	require.GreaterOrEqual(t, before.HWM, before.RSS)
	// Burn CPU until the kernel has counted at least two ticks.
	deadline := time.Now().Add(10 * time.Second)
	x := 0
	for time.Now().Before(deadline) {
		for i := range 1_000_000 {
			x += i * i
		}
		if now, err := ReadProc(os.Getpid()); err == nil && now.CPU-before.CPU >= 2*clockTick {
			return
		}
	}
	t.Fatalf("no CPU time counted after 10 s of work (%d)", x)
}

func TestTableRowEscapesPipes(t *testing.T) {
	require.Equal(t, "| tar \\| ssh \\| tar | 1 |\n", tableRow([]string{"tar | ssh | tar", "1"}))
}

func TestCommas(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567"} {
		require.Equal(t, want, commas(n))
	}
	require.True(t, strings.HasSuffix(fmtBytes(256<<20), "MB"))
}

// TestW7WriterWritesItsSizeAndCleansUp checks W7's load: the writer appends what it
// is asked to, and closing it removes its file.
func TestW7WriterWritesItsSizeAndCleansUp(t *testing.T) {
	name := filepath.Join(t.TempDir(), "load")
	w, err := newWriter(name)
	require.NoError(t, err)
	require.NoError(t, w.write(3<<20+5))
	require.NoError(t, w.write(7))
	info, err := os.Stat(name)
	require.NoError(t, err)
	require.EqualValues(t, 3<<20+12, info.Size())
	w.close()
	require.NoFileExists(t, name)
	if _, err := os.Stat("/proc/meminfo"); err == nil {
		require.GreaterOrEqual(t, dirtyBytes(), int64(0))
	}
}

func TestScaleSpecHasFiftyFilesPerDirectory(t *testing.T) {
	spec := ScaleSpec(20_000)
	dirs, files := spec.Layout()
	require.Len(t, files, 20_000)
	require.Len(t, dirs, 20_000/50-1) // the root is the 400th
	for _, f := range files {
		require.True(t, f.size >= 50 && f.size <= 2000, "size %d", f.size)
	}
}

func TestCachedTreeIsReusedOnlyWhileItsManifestMatches(t *testing.T) {
	root := filepath.Join(t.TempDir(), "cache", "tree")
	spec := TreeSpec{Files: 60, MinSize: 50, MaxSize: 200, PerDir: 10, Seed: 9}
	first, reused, err := cachedGenerated(root, spec)
	require.NoError(t, err)
	require.False(t, reused)
	marker := filepath.Join(root, "not-generated")
	require.NoError(t, os.WriteFile(marker, nil, 0o644))

	again, reused, err := cachedGenerated(root, spec)
	require.NoError(t, err)
	require.True(t, reused, "same spec, manifest in place")
	require.Equal(t, *first, *again)
	require.FileExists(t, marker, "a reused tree is not rewritten")

	other := spec
	other.Seed++
	_, reused, err = cachedGenerated(root, other)
	require.NoError(t, err)
	require.False(t, reused, "another spec regenerates")
	require.NoFileExists(t, marker, "regenerating starts from an empty root")

	// Edits: Dirty first, so a run stopped midway regenerates; Restore undoes them.
	ct := &CachedTree{Tree: again, Spec: spec}
	_, reused, err = cachedGenerated(root, spec)
	require.NoError(t, err)
	require.False(t, reused)
	files := ct.FileList()
	pristine, err := os.ReadFile(filepath.Join(root, files[3]))
	require.NoError(t, err)
	require.NoError(t, ct.Dirty())
	require.NoError(t, os.WriteFile(filepath.Join(root, files[3]), []byte("edited"), 0o644))
	_, reused, err = cachedGenerated(root, spec)
	require.NoError(t, err)
	require.False(t, reused, "a dirty tree is regenerated")
	got, err := os.ReadFile(filepath.Join(root, files[3]))
	require.NoError(t, err)
	require.Equal(t, pristine, got)

	require.NoError(t, ct.Dirty())
	require.NoError(t, os.WriteFile(filepath.Join(root, files[3]), []byte("edited"), 0o644))
	require.NoError(t, ct.Restore([]string{files[3]}))
	got, err = os.ReadFile(filepath.Join(root, files[3]))
	require.NoError(t, err)
	require.Equal(t, pristine, got)
	_, reused, err = cachedGenerated(root, spec)
	require.NoError(t, err)
	require.True(t, reused, "restored: the manifest is back")
	require.Error(t, ct.Restore([]string{"no/such/file"}))
}

func TestCycleLinesReadTheDaemonLog(t *testing.T) {
	log := "2026/12/02 15:09:24 INFO s-scale-ferry: cycle: 0 changes to alpha, 1 to beta, 0 conflicts, 0 problems (scan 2ms, reconcile 0s, stage 0s, transition 5ms, save 0s)\n" +
		"2026/12/02 15:09:25 DEBUG s-scale-ferry: watching\n" +
		"2026/12/02 15:09:26 INFO s-scale-ferry: cycle: 1 changes to alpha, 0 to beta, 0 conflicts, 0 problems (scan 1ms)\n"
	require.Equal(t, []string{
		"0 changes to alpha, 1 to beta, 0 conflicts, 0 problems (scan 2ms, reconcile 0s, stage 0s, transition 5ms, save 0s)",
		"1 changes to alpha, 0 to beta, 0 conflicts, 0 problems (scan 1ms)",
	}, cycleLines(log))
	require.Empty(t, cycleLines(""))
}
