package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The processes this package's tests start must not outlive them: every daemon
// (the ferry binary built by TestMain) and every agent (installed under a remote home
// a test made) is stopped by the test that started it. TestMain checks after the run.

var remoteHomes struct {
	mu    sync.Mutex
	homes []string
}

// trackRemoteHome notes a remote home, so agents running from it count as the
// package's.
func trackRemoteHome(home string) {
	remoteHomes.mu.Lock()
	defer remoteHomes.mu.Unlock()
	remoteHomes.homes = append(remoteHomes.homes, home)
}

// ours lists the live processes that run one of the test ferry binaries or an agent
// installed under a tracked remote home.
func ours() map[int]string {
	remoteHomes.mu.Lock()
	homes := append([]string(nil), remoteHomes.homes...)
	remoteHomes.mu.Unlock()
	out := map[int]string{}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", p.Name(), "exe"))
		if err != nil {
			continue
		}
		exe = strings.TrimSuffix(exe, " (deleted)")
		// The test binaries all live in ferryBin's directory (the version builds too).
		mine := filepath.Dir(exe) == filepath.Dir(ferryBin)
		for _, h := range homes {
			mine = mine || strings.HasPrefix(exe, h+"/")
		}
		if mine {
			cmdline, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
			out[pid] = strings.ReplaceAll(strings.TrimSpace(string(cmdline)), "\x00", " ")
		}
	}
	return out
}

// waitGone waits up to limit for the process to exit, without polling: a pidfd
// becomes readable when the process ends. It reports whether it did.
func waitGone(pid int, limit time.Duration) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return true // already gone
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(limit.Milliseconds()))
		if err == unix.EINTR {
			continue
		}
		return err == nil && n > 0
	}
}

// checkLeftovers reports (and kills) the package's processes that outlived the tests.
// An agent whose connection just closed may still be finishing: each gets a grace
// period before it counts.
func checkLeftovers() bool {
	ok := true
	for pid, cmd := range ours() {
		if waitGone(pid, 30*time.Second) {
			continue
		}
		fmt.Fprintf(os.Stderr, "FAIL: process %d (%s) outlived the tests; killing it\n", pid, cmd)
		syscall.Kill(pid, syscall.SIGKILL)
		ok = false
	}
	return ok
}
