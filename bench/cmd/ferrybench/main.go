// Command ferrybench runs ferry's benchmarks (`make bench`, issue 6): workloads W1-W7
// for ferry and rsync, unison, tar | ssh | tar and ssh -L over one throwaway sshd on
// 127.0.0.1. It prints the table and writes it to bench/RESULTS.md (quick mode:
// bench/RESULTS-quick.md).
//
// Environment: BENCH_QUICK=1 runs a small version of every workload (CI);
// BENCH_PROFILE=1 saves profiles of every ferry daemon and agent under
// bench/profiles/; BENCH_REPS=N sets the repetitions; BENCH_ONLY=W1,W5 picks
// workloads; BENCH_KEEP=1 keeps the scratch directory (daemon logs, data
// directories); BENCH_LINK=lan, wan or far puts every tool's connection to sshd
// through the link simulator with that profile (results in bench/RESULTS-wan.md, ...);
// BENCH_SCALE=N sets the files of the full run's scale case (SCALE; default
// 1,000,000, in N/50 directories), whose tree is kept in BENCH_CACHE (default
// $XDG_CACHE_HOME/ferrybench, else ~/.cache/ferrybench) and reused while its manifest
// matches; BENCH_W1=ac runs only those of W1's (and W2's) trees.
// It exits non-zero when a workload or a tool fails, never because a
// target is missed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ferrysync/ferry/bench"
)

func main() {
	repo := flag.String("repo", ".", "the ferry repository (bin/ from make build, bench/ for the results)")
	out := flag.String("out", "", "where to write the results (default bench/RESULTS.md, or bench/RESULTS-quick.md in quick mode)")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*repo, *out); err != nil {
		log.Printf("ferrybench: %v", err)
		os.Exit(1)
	}
}

func run(repo, out string) (err error) {
	repo, err = filepath.Abs(repo)
	if err != nil {
		return err
	}
	settings := bench.Settings{Quick: os.Getenv("BENCH_QUICK") == "1", Bin: filepath.Join(repo, "bin")}
	if settings.Link, err = bench.ParseLink(os.Getenv("BENCH_LINK")); err != nil {
		return err
	}
	if r := os.Getenv("BENCH_REPS"); r != "" {
		if settings.Reps, err = strconv.Atoi(r); err != nil || settings.Reps < 1 {
			return fmt.Errorf("BENCH_REPS=%q: want a positive number", r)
		}
	}
	if n := os.Getenv("BENCH_SCALE"); n != "" {
		if settings.Scale, err = strconv.Atoi(n); err != nil || settings.Scale < 1 {
			return fmt.Errorf("BENCH_SCALE=%q: want a positive number of files", n)
		}
	}
	if settings.W1Cases = os.Getenv("BENCH_W1"); strings.Trim(settings.W1Cases, "abc") != "" {
		return fmt.Errorf("BENCH_W1=%q: want letters of W1's trees (a, b, c)", settings.W1Cases)
	}
	if settings.CacheDir = os.Getenv("BENCH_CACHE"); settings.CacheDir == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			settings.CacheDir = filepath.Join(dir, "ferrybench")
		}
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %w", err)
	}
	settings.GoSrc = filepath.Join(strings.TrimSpace(string(goroot)), "src")
	stamp := time.Now().UTC().Format("20060102-150405")
	if os.Getenv("BENCH_PROFILE") == "1" {
		settings.ProfileDir = filepath.Join(repo, "bench", "profiles", stamp)
	}
	if out == "" {
		name := "RESULTS"
		if settings.Quick {
			name += "-quick"
		}
		if !settings.Link.IsZero() {
			name += "-" + settings.Link.Name
		}
		out = filepath.Join(repo, "bench", name+".md")
	}
	workloads, err := pick(bench.Workloads(settings), os.Getenv("BENCH_ONLY"))
	if err != nil {
		return err
	}

	start := time.Now()
	logf := func(format string, args ...any) {
		log.Printf("[%6.1fs] %s", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	root, err := os.MkdirTemp("", "ferrybench-")
	if err != nil {
		return err
	}
	keep := os.Getenv("BENCH_KEEP") == "1"
	if !keep {
		defer os.RemoveAll(root)
	}
	prog := bench.NewProgram(root, logf)
	prog.Keep = keep
	defer prog.Close()
	defer func() {
		// The harness fails through sshdtest.TB's Fatalf, which panics.
		if r := recover(); r != nil {
			var f *bench.Fatal
			if e, ok := r.(error); ok && errors.As(e, &f) {
				err = f
				return
			}
			panic(r)
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env, err := bench.NewEnv(prog, settings, logf)
	if err != nil {
		return err
	}
	logf("sshd on %s; scratch in %s; %d repetition(s)%s; link: %s", env.SSHD.Addr(), env.Work, env.Reps, map[bool]string{true: "; quick mode"}[settings.Quick], settings.Link)
	machine := bench.Describe(repo, env.FerryBin()) // the commit the binaries were built from
	report := bench.Run(ctx, env, workloads)
	report.Settings = env.Settings
	report.Machine = machine
	report.Dir = filepath.Dir(out)
	text := report.Markdown()
	fmt.Println(text)
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		return err
	}
	logf("wrote %s", out)
	if settings.ProfileDir != "" {
		logf("profiles in %s", settings.ProfileDir)
	}
	if failures := report.Failures(); len(failures) > 0 {
		return fmt.Errorf("%d failure(s):\n  %s", len(failures), strings.Join(failures, "\n  "))
	}
	return nil
}

// pick returns the workloads of all named in only ("W1,W5"), or all of them.
func pick(all []bench.Workload, only string) ([]bench.Workload, error) {
	if only == "" {
		return all, nil
	}
	ids := strings.Split(strings.ToUpper(only), ",")
	var out []bench.Workload
	for _, w := range all {
		if slices.Contains(ids, w.ID()) {
			out = append(out, w)
		}
	}
	if len(out) != len(ids) {
		var known []string
		for _, w := range all {
			known = append(known, w.ID())
		}
		return nil, fmt.Errorf("BENCH_ONLY=%q: name workloads among %s", only, strings.Join(known, ", "))
	}
	return out, nil
}
