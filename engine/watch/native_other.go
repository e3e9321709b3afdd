//go:build !linux && !darwin && !windows

package watch

import "fmt"

// startNative: this system has no native backend; the caller polls.
func startNative(*Watcher) error {
	return fmt.Errorf("%w on this operating system", ErrUnavailable)
}
