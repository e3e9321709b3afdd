package scan

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ferrysync/ferry/engine/ignore"
	"github.com/ferrysync/ferry/engine/tree"
)

// The ignore files a tree can hold. The root's FerryIgnoreFile always applies; with
// Options.GitIgnore, every GitIgnoreFile applies at its own directory and below, and
// each repository's .git/info/exclude to the repository, as git decides.
const (
	FerryIgnoreFile = ".ferryignore"
	GitIgnoreFile   = ".gitignore"
)

// RulesFor reports whether the tree path p names a file whose rules decide what else
// this scanner ignores, and the directory they decide for (see RulesFile).
func (s *Scanner) RulesFor(p string) (dir string, ok bool) { return RulesFile(p, s.opts.GitIgnore) }

// RulesFile reports whether the tree path p names a file whose rules decide what else
// is ignored, and the directory they decide for (which a change to the file changes
// whole): the root's .ferryignore, and with gitignore any .gitignore and a
// repository's .git/info/exclude.
func RulesFile(p string, gitignore bool) (dir string, ok bool) {
	if p == FerryIgnoreFile {
		return "", true
	}
	if !gitignore {
		return "", false
	}
	parent, name := tree.Split(p)
	switch {
	case name == GitIgnoreFile:
		return parent, true
	case name == "exclude" && path.Base(parent) == "info" && path.Base(path.Dir(parent)) == ".git":
		repo, _ := tree.Split(parent) // "<repo>/.git"
		repo, _ = tree.Split(repo)
		return repo, true
	}
	return "", false
}

// layer is the rules of one ignore file.
type layer struct {
	base   string // the directory whose paths the rules match ("" for the root)
	source string // the file, as an ignored entry names it
	rules  *ignore.Matcher
	// repo marks where a repository starts: the layers above it (its parent
	// repository's) do not apply below it. exclude is the repository's
	// info/exclude, which applies after every .gitignore in it.
	repo    bool
	exclude *layer
}

// decide asks l's rules about the tree path p, which lies below l.base.
func (l *layer) decide(p string, dir bool) (matched, ignored bool) {
	if l == nil || l.rules == nil {
		return false, false
	}
	rel := p
	if l.base != "" {
		rel = p[len(l.base)+1:]
	}
	return l.rules.Decide(rel, dir)
}

// loadedRules is an ignore file as last read, kept while its metadata stays the same.
type loadedRules struct {
	key   StatKey
	rules *ignore.Matcher
}

// rules returns the compiled rules of the ignore file at the tree path p, nil when
// there is none (or it is not a regular file: like git, ferry follows no symbolic
// link to an ignore file in the tree). Rules are read again only when the file's
// metadata changed.
func (s *Scanner) rules(p string) *ignore.Matcher {
	abs := s.Abs(p)
	info, err := os.Lstat(abs)
	if err != nil || !info.Mode().IsRegular() {
		delete(s.ruleFiles, p)
		return nil
	}
	key := KeyOf(info)
	if l, ok := s.ruleFiles[p]; ok && l.key == key {
		return l.rules
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil
	}
	m, _ := ignore.CompileFile(ignore.FileLines(data)) // a malformed line matches nothing, as in git
	if s.ruleFiles == nil {
		s.ruleFiles = map[string]loadedRules{}
	}
	s.ruleFiles[p] = loadedRules{key: key, rules: m}
	return m
}

// repoExclude returns the info/exclude rules of the repository whose work tree is the
// directory dir, "" for none: .git is its git directory, or a file naming it
// ("gitdir: path", as submodules and linked work trees have).
func (s *Scanner) repoExclude(dir string) *layer {
	gitPath := tree.Join(dir, ".git")
	info, err := os.Lstat(s.Abs(gitPath))
	if err != nil {
		return nil
	}
	excl := tree.Join(gitPath, "info/exclude")
	if info.Mode().IsRegular() {
		gitDir, ok := readGitFile(s.Abs(gitPath))
		if !ok {
			return nil
		}
		if !filepath.IsAbs(gitDir) {
			gitDir = filepath.Join(s.Abs(dir), gitDir)
		}
		// The git directory lies outside the tree (or elsewhere in it): read it as a
		// file system path, under a name of its own in the cache.
		m := s.rulesAt(filepath.Join(gitDir, "info", "exclude"))
		if m == nil {
			return nil
		}
		return &layer{base: dir, source: excl, rules: m}
	}
	if !info.IsDir() {
		return nil
	}
	if m := s.rules(excl); m != nil {
		return &layer{base: dir, source: excl, rules: m}
	}
	return nil
}

// rulesAt is rules for a file outside the tree, named by its file system path.
func (s *Scanner) rulesAt(abs string) *ignore.Matcher {
	info, err := os.Stat(abs)
	if err != nil || !info.Mode().IsRegular() {
		return nil
	}
	key := KeyOf(info)
	if l, ok := s.ruleFiles["\x00"+abs]; ok && l.key == key {
		return l.rules
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil
	}
	m, _ := ignore.CompileFile(ignore.FileLines(data))
	if s.ruleFiles == nil {
		s.ruleFiles = map[string]loadedRules{}
	}
	s.ruleFiles["\x00"+abs] = loadedRules{key: key, rules: m}
	return m
}

// readGitFile reads a "gitdir: path" file.
func readGitFile(abs string) (string, bool) {
	data, err := os.ReadFile(abs)
	if err != nil || len(data) > 4096 {
		return "", false
	}
	line, _, _ := strings.Cut(string(data), "\n")
	dir, ok := strings.CutPrefix(strings.TrimSuffix(line, "\r"), "gitdir: ")
	if !ok || dir == "" {
		return "", false
	}
	return filepath.FromSlash(dir), true
}

// enter pushes the rules that apply inside the directory rel (whose listing has
// names) onto the walker's layers and returns how many layers there were before, for
// leave. has says whether the listing holds a name.
func (w *walker) enter(rel string, has func(string) bool) int {
	n := len(w.layers)
	s := w.s
	if rel == "" && has(FerryIgnoreFile) {
		w.ferry = &layer{source: FerryIgnoreFile, rules: s.rules(FerryIgnoreFile)}
	}
	if !s.opts.GitIgnore {
		return n
	}
	if rel == "" || has(".git") {
		w.layers = append(w.layers, layer{base: rel, repo: true, exclude: s.repoExclude(rel)})
	}
	if has(GitIgnoreFile) {
		src := tree.Join(rel, GitIgnoreFile)
		if m := s.rules(src); m != nil {
			w.layers = append(w.layers, layer{base: rel, source: src, rules: m})
		}
	}
	return n
}

// leave pops what enter pushed.
func (w *walker) leave(n int) { w.layers = w.layers[:n] }

// enterAncestors sets the walker's layers to those that apply inside the directory
// dir, reading the ignore files of each directory from the root down (the walk of a
// rescan starts below the root).
func (w *walker) enterAncestors(dir string) {
	if w.layersFor == dir && w.layersSet {
		return
	}
	w.layers, w.ferry = w.layers[:0], nil
	for d, rest := "", dir; ; {
		w.enter(d, func(name string) bool {
			_, err := os.Lstat(w.s.Abs(tree.Join(d, name)))
			return err == nil
		})
		if rest == "" {
			break
		}
		first, more, _ := strings.Cut(rest, "/")
		d, rest = tree.Join(d, first), more
	}
	w.layersFor, w.layersSet = dir, true
}

// ignoredBy returns the ignore file whose rules exclude the tree path p, or "": the
// root's .ferryignore first, then the .gitignore files from p's directory up to its
// repository's top, then that repository's info/exclude.
func (w *walker) ignoredBy(p string, dir bool) string {
	if matched, ignored := w.ferry.decide(p, dir); matched {
		return sourceIf(ignored, FerryIgnoreFile)
	}
	for i := len(w.layers) - 1; i >= 0; i-- {
		l := &w.layers[i]
		if l.repo {
			if matched, ignored := l.exclude.decide(p, dir); matched {
				return sourceIf(ignored, l.exclude.source)
			}
			break
		}
		if matched, ignored := l.decide(p, dir); matched {
			return sourceIf(ignored, l.source)
		}
	}
	return ""
}

func sourceIf(ok bool, source string) string {
	if ok {
		return source
	}
	return ""
}
