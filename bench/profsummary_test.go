package bench

import (
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// busyWork spins the CPU and makes system calls (stat) until it has used cpu of CPU
// time (a shared machine may give it less than the wall clock). It reads its CPU time
// only once per 64 rounds of work: getrusage is slow under the race detector, and
// asked every round it took as many samples as the work it measured.
func busyWork(dir string, cpu time.Duration) int {
	n := 0
	for start := cpuTime(); cpuTime()-start < cpu; {
		for range 64 {
			for i := 0; i < 1000; i++ {
				n += i * i % 7
			}
			os.Stat(dir)
		}
	}
	return n
}

func TestSummarizeProfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.cpu.pprof")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, pprof.StartCPUProfile(f))
	busyWork(dir, 500*time.Millisecond)
	pprof.StopCPUProfile()
	require.NoError(t, f.Close())

	s, err := SummarizeProfile(path)
	require.NoError(t, err)
	// Seconds, not nanoseconds; on a loaded machine the profiler samples well under the
	// CPU time getrusage counts (0.29 s of 0.5 s seen), so the bound is loose.
	require.Greater(t, s.Total, 0.1)
	require.Less(t, s.Total, 10.0)
	require.NotEmpty(t, s.Ferry)
	shares := map[string]float64{}
	ferry := 0.0
	for _, sh := range s.Ferry {
		shares[sh.Name] = sh.Fraction
		ferry += sh.Fraction
	}
	require.Equal(t, "bench.busyWork", s.Ferry[0].Name, "the work is the largest share: %v", s.Ferry)
	require.Greater(t, shares["bench.busyWork"]+shares["bench.cpuTime"], 0.5, "%v", s.Ferry)
	// What the race detector, GC and profiler cost varies from run to run and is not
	// attributed to a ferry frame; of what is, nearly all is the test's own work.
	require.Greater(t, (shares["bench.busyWork"]+shares["bench.cpuTime"])/ferry, 0.9, "the work sampled is the test's: %v", s.Ferry)
	require.Greater(t, s.Kernel, 0.0, "os.Stat is a system call")
	calls := map[string]bool{}
	for _, sh := range s.Syscalls {
		calls[sh.Name] = true
	}
	require.True(t, calls["fstatat"], "os.Stat's call is named: %v", s.Syscalls)
	md := s.Markdown()
	require.True(t, strings.HasPrefix(md, "- `run.cpu.pprof`: "))
	require.Contains(t, md, "bench.busyWork")

	// A table with a missed target sums up its CPU profiles; one whose targets hold
	// only lists them.
	g := Group{Kind: Repeated, Rows: []Row{{Tool: "ferry", Unit: Seconds, Samples: []float64{2}}},
		Targets: []Target{{Row: "ferry", Stat: Median, Bound: 1, Text: "≤ 1 s"}}, Profiles: []string{path}}
	require.Contains(t, g.Markdown(), "Where ferry's CPU time went")
	require.Contains(t, g.Markdown(), "bench.busyWork")
	g.Targets[0].Bound = 3
	require.NotContains(t, g.Markdown(), "Where ferry's CPU time went")
	require.Contains(t, g.Markdown(), "Profiles: ")

	_, err = SummarizeProfile(filepath.Join(dir, "missing.pprof"))
	require.Error(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk"), []byte("not a profile"), 0o600))
	_, err = SummarizeProfile(filepath.Join(dir, "junk"))
	require.Error(t, err)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
