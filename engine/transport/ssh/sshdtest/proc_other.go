//go:build !linux

package sshdtest

// descendants is not known without /proc; only sshd itself is signalled.
func descendants(pid int) []int { return nil }
