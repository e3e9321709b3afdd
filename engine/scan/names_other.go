//go:build !windows

package scan

// nameProblem: every name a directory lists can be read back by that name here.
func nameProblem(string) string { return "" }
