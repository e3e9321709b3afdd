package bench

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes where a report was measured.
type Machine struct {
	CPU    string
	Cores  int
	Memory int64 // bytes
	Kernel string
	Commit string   // the repository's HEAD, "+ local changes" when the tree differs
	Tools  []string // versions of go, ferry and the peers
}

// Describe reads the machine's facts, the commit of the repository at repo, and the
// versions of the tools.
func Describe(repo, ferry string) Machine {
	m := Machine{CPU: cpuModel(), Cores: runtime.NumCPU(), Memory: memTotal(), Kernel: firstLine(readString("/proc/sys/kernel/osrelease"))}
	m.Commit = firstLine(output(repo, "git", "rev-parse", "HEAD"))
	if m.Commit == "" {
		m.Commit = "unknown (not a git checkout)"
	} else if strings.TrimSpace(output(repo, "git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no")) != "" {
		m.Commit += " + local changes"
	}
	m.Tools = []string{
		firstLine(output("", "go", "version")),
		"ferry " + strings.TrimPrefix(firstLine(output("", ferry, "version")), "client: "),
		firstLine(output("", "rsync", "--version")),
		firstLine(output("", "unison", "-version")),
		firstLine(output("", "zstd", "--version")),
		firstLine(output("", "ssh", "-V")),
	}
	return m
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() int64 {
	for _, l := range strings.Split(readString("/proc/meminfo"), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func readString(name string) string {
	b, _ := os.ReadFile(name)
	return string(b)
}

// output runs a command and returns its combined output ("" when it fails to start).
func output(dir, name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput()
	return string(out)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(l)
}

// LoadAverage is the machine's 1-minute load average, from /proc/loadavg: on a
// shared machine, what else was running.
func LoadAverage() string {
	f := strings.Fields(readString("/proc/loadavg"))
	if len(f) == 0 {
		return "unknown"
	}
	return f[0]
}
