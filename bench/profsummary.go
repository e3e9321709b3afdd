package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/google/pprof/profile"
)

// A ProfileSummary says where a CPU profile's time went, in the few lines a reader of
// RESULTS.md needs to see what is in the way of a target.
type ProfileSummary struct {
	Name  string  // the profile's file name
	Total float64 // seconds of CPU sampled
	// Kernel is the share of CPU spent in system calls, by call; Runtime the share in
	// the Go runtime's own work (garbage collection, scheduling).
	Kernel, Runtime float64
	Syscalls        []Share
	// Ferry lists ferry's functions by the share of CPU spent in them and in the
	// library, runtime and system calls they make (each sample counts for the innermost
	// ferry function on its stack), largest first.
	Ferry []Share
}

// A Share is a name and its fraction of a profile's CPU time.
type Share struct {
	Name     string
	Fraction float64
}

// SummarizeProfile reads a CPU profile (pprof format) and summarizes it.
func SummarizeProfile(path string) (ProfileSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return ProfileSummary{}, err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return ProfileSummary{}, fmt.Errorf("%s: %w", path, err)
	}
	value := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" && st.Unit == "nanoseconds" {
			value = i
		}
	}
	if value < 0 {
		return ProfileSummary{}, fmt.Errorf("%s: not a CPU profile", path)
	}
	s := ProfileSummary{Name: filepath.Base(path)}
	var total, kernel, runtime float64
	syscalls := map[string]float64{}
	ferry := map[string]float64{}
	for _, sample := range p.Sample {
		v := float64(sample.Value[value])
		total += v
		frames := framesOf(sample)
		if call, ok := syscallOf(frames); ok {
			kernel += v
			syscalls[call] += v
		} else if runtimeWork(frames) {
			runtime += v
		}
		for _, fn := range frames {
			if name, ok := strings.CutPrefix(fn, "github.com/ferrysync/ferry/"); ok {
				ferry[name] += v
				break
			}
		}
	}
	if total == 0 {
		return s, nil
	}
	s.Total = total / 1e9
	s.Kernel, s.Runtime = kernel/total, runtime/total
	s.Syscalls = top(syscalls, total, 6)
	s.Ferry = top(ferry, total, 6)
	return s, nil
}

// framesOf lists a sample's function names, innermost first.
func framesOf(s *profile.Sample) []string {
	var names []string
	for _, loc := range s.Location {
		for _, line := range loc.Line {
			if line.Function != nil {
				names = append(names, line.Function.Name)
			}
		}
	}
	return names
}

// syscallOf names the system call a sample was in, if it was in one: the innermost
// wrapper below the raw Syscall functions ("openat", "renameat2", "write").
func syscallOf(frames []string) (string, bool) {
	if len(frames) == 0 {
		return "", false
	}
	leaf := frames[0]
	raw := strings.HasPrefix(leaf, "internal/runtime/syscall") || strings.HasPrefix(leaf, "syscall.RawSyscall") ||
		strings.HasPrefix(leaf, "syscall.Syscall") || strings.HasPrefix(leaf, "golang.org/x/sys/unix.")
	if !raw {
		return "", false
	}
	for _, fn := range frames {
		for _, pkg := range []string{"syscall.", "golang.org/x/sys/unix."} {
			name, ok := strings.CutPrefix(fn, pkg)
			if !ok || strings.HasPrefix(name, "Syscall") || strings.HasPrefix(name, "RawSyscall") ||
				strings.HasPrefix(name, "rawSyscall") || strings.HasPrefix(name, "rawVforkSyscall") || name == "syscall" {
				continue
			}
			return strings.ToLower(name), true
		}
	}
	return "other", true
}

// runtimeWork reports whether a sample is the Go runtime's own work: garbage
// collection, allocation, scheduling.
func runtimeWork(frames []string) bool {
	for _, fn := range frames {
		switch {
		case strings.HasPrefix(fn, "runtime.gcBgMarkWorker"), strings.HasPrefix(fn, "runtime.mallocgc"),
			strings.HasPrefix(fn, "runtime.schedule"), strings.HasPrefix(fn, "runtime.findRunnable"),
			strings.HasPrefix(fn, "runtime.bgsweep"), strings.HasPrefix(fn, "runtime.bgscavenge"):
			return true
		}
	}
	return false
}

// top returns the n largest shares of m, as fractions of total.
func top(m map[string]float64, total float64, n int) []Share {
	shares := make([]Share, 0, len(m))
	for name, v := range m {
		shares = append(shares, Share{name, v / total})
	}
	sort.Slice(shares, func(i, j int) bool {
		if shares[i].Fraction != shares[j].Fraction {
			return shares[i].Fraction > shares[j].Fraction
		}
		return shares[i].Name < shares[j].Name
	})
	if len(shares) > n {
		shares = shares[:n]
	}
	return shares
}

// Markdown renders the summary as a list item.
func (s ProfileSummary) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "- `%s`: %.2f s of CPU; system calls %s, Go runtime (GC, allocation, scheduling) %s", s.Name, s.Total, pct(s.Kernel), pct(s.Runtime))
	if len(s.Syscalls) > 0 {
		b.WriteString("; by call: " + sharesText(s.Syscalls))
	}
	b.WriteString("\n")
	if len(s.Ferry) > 0 {
		b.WriteString("  - by ferry function (with the library and system calls it makes): " + sharesText(s.Ferry) + "\n")
	}
	return b.String()
}

func sharesText(shares []Share) string {
	parts := make([]string, len(shares))
	for i, sh := range shares {
		parts[i] = fmt.Sprintf("%s %s", strings.ReplaceAll(sh.Name, "|", "\\|"), pct(sh.Fraction))
	}
	return strings.Join(parts, ", ")
}

func pct(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }
