//go:build !windows

package transition

// nameProblem: every valid tree path can be created here. (Collisions of names that
// a side folds together are judged elsewhere.)
func nameProblem(root, rel string) string { return "" }
