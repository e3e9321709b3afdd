package stage

import (
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// startWriteback starts writing a staged file's data to disk without waiting, so the
// flush before the transition finds most of it done.
func startWriteback(f *os.File) {
	unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
}

// umaskStrips reports whether the process umask removes bits of mode (when it does
// not, files are created with mode exactly and need no chmod). The umask is read from
// /proc/self/status once; where that fails, assume it strips.
func umaskStrips(mode os.FileMode) bool {
	umaskOnce.Do(func() {
		umaskValue = 0o777
		data, err := os.ReadFile("/proc/self/status")
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "Umask:"); ok {
				if n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					umaskValue = os.FileMode(n)
				}
			}
		}
	})
	return umaskValue&mode != 0
}

var (
	umaskOnce  sync.Once
	umaskValue os.FileMode
)

// syncData makes a staged file's data durable (fdatasync: its size and contents, not
// its times).
func syncData(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }
