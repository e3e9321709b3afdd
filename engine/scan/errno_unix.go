//go:build !windows

package scan

import "syscall"

// syscallENOTDIR is returned by lstat when a parent is not a directory.
const syscallENOTDIR = syscall.ENOTDIR
