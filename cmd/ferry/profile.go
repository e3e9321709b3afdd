package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles writes a CPU profile to $FERRY_CPUPROFILE and a heap profile to
// $FERRY_MEMPROFILE (when set; SIGUSR1 also writes one) for the daemon's life, for
// benchmarks; the returned function finishes them.
func startProfiles() (func(), error) {
	var stops []func()
	if path := os.Getenv("FERRY_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("FERRY_CPUPROFILE: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("FERRY_CPUPROFILE: %w", err)
		}
		stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
	}
	if path := os.Getenv("FERRY_MEMPROFILE"); path != "" {
		write := func(suffix string) {
			f, err := os.Create(path + suffix)
			if err != nil {
				return
			}
			runtime.GC()
			pprof.WriteHeapProfile(f)
			f.Close()
		}
		stops = append(stops, func() { write("") })
		// SIGUSR1 writes a snapshot now (PATH.1, PATH.2, ...), to see memory at a peak.
		snapshots := make(chan os.Signal, 1)
		notifySnapshot(snapshots)
		go func() {
			for n := 1; ; n++ {
				<-snapshots
				write(fmt.Sprintf(".%d", n))
			}
		}()
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
	}, nil
}
