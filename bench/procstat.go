package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100 on Linux.
const clockTick = 10 * time.Millisecond

// ProcSample is a process's accumulated CPU time and memory at one moment.
type ProcSample struct {
	At  time.Time
	CPU time.Duration // utime + stime, all threads
	RSS int64         // VmRSS, bytes
	HWM int64         // VmHWM: the peak RSS, bytes
}

// ReadProc samples pid from /proc/PID/stat and /proc/PID/status.
func ReadProc(pid int) (ProcSample, error) {
	s := ProcSample{At: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// pid (comm) state ppid ...: utime and stime are fields 14 and 15, counted from 1;
	// after the ")" that ends comm, they are the 12th and 13th.
	i := bytes.LastIndexByte(stat, ')')
	f := strings.Fields(string(stat[i+1:]))
	if i < 0 || len(f) < 13 {
		return s, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	s.CPU = time.Duration(utime+stime) * clockTick
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, l := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			s.RSS = kb << 10
		case "VmHWM":
			s.HWM = kb << 10
		}
	}
	return s, nil
}

// agentPids lists the ferry agents running for this harness: processes whose
// executable path lies under RemoteHome's agent directory.
func (e *Env) agentPids() []int {
	prefix := filepath.Join(e.SSHD.RemoteHome(), ".ferry", "agents") + "/"
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, d := range entries {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		if err != nil {
			continue
		}
		argv0, _, _ := bytes.Cut(cmdline, []byte{0})
		if strings.HasPrefix(string(argv0), prefix) {
			out = append(out, pid)
		}
	}
	return out
}
