//go:build !linux

package stage

import "os"

// startWriteback: elsewhere the flush before the transition does all the work.
func startWriteback(*os.File) {}
