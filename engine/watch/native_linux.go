package watch

import (
	"errors"
	"os"
	"strings"
	"syscall"
)

const nativeSupported = true

// limitHint explains an inotify watch-limit failure.
func limitHint(err error) string {
	if !errors.Is(err, syscall.ENOSPC) {
		return ""
	}
	limit, _ := os.ReadFile("/proc/sys/fs/inotify/max_user_watches")
	return " (the inotify watch limit fs.inotify.max_user_watches=" + strings.TrimSpace(string(limit)) +
		" is reached; raise it with sysctl, or ignore large directories)"
}
