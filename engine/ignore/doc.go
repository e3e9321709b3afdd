// Package ignore decides which paths a sync session ignores. Patterns use
// the syntax of .gitignore files and mean what git makes them mean: a
// pattern list that git would apply to a repository root ignores the same
// paths here.
//
// Invariants:
//
//   - Pure: Compile and Matcher.Ignored read only their arguments; they never
//     touch the file system or the environment and hold no global state.
//   - Immutable: a Matcher does not change after Compile and is safe for
//     concurrent use by any number of goroutines.
//   - Cheap per path: Compile does all parsing; Ignored does not allocate and
//     looks up literal names and "*.ext" patterns in maps, so its cost grows
//     with the number of wildcard patterns, not with the number of patterns.
//   - Malformed patterns are errors at Compile, never silent no-ops at match
//     time: an unterminated character class, an unknown [:class:] or a
//     trailing backslash (all of which git silently never matches) each
//     yield a *PatternError.
//
// Paths are slash-separated, relative to the sync root, clean and without a
// leading slash ("src/main.go"). Matching is byte-wise and case-sensitive,
// as git's is with core.ignoreCase off: "?" matches one byte, not one rune.
//
// Ignored judges one path, not its ancestors. Callers walk the tree top-down
// and skip the whole subtree of an ignored directory, as git does; so, as in
// git, a "!" pattern cannot re-include a path whose parent directory is
// ignored ("build/" then "!build/keep.o" still ignores build/keep.o). A
// caller that meets a path out of walk order, such as a watch event, checks
// each ancestor directory first.
package ignore
