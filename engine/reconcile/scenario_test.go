package reconcile

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/zeebo/xxh3"
	"golang.org/x/tools/txtar"

	"github.com/ferrysync/ferry/engine/tree"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/*.txtar")

var allModes = []Mode{TwoWaySafe, TwoWayResolved, OneWaySafe, OneWayReplica}

// TestScenarios runs every testdata/*.txtar case under every mode. A case has sections
// "ancestor", "alpha" and "beta" (a tree each, see parseTree) and one "want MODE"
// section per mode with the expected changes and conflicts (see format).
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			require.NoError(t, err)
			sc := newScenario()
			trees := map[string]*tree.Entry{}
			for _, name := range []string{"ancestor", "alpha", "beta"} {
				trees[name] = sc.parseTree(t, section(ar, name))
			}
			changed := false
			for _, mode := range allModes {
				res := Reconcile(trees["ancestor"], trees["alpha"], trees["beta"], mode)
				got := sc.format(res)
				want := section(ar, "want "+mode.String())
				if *update {
					if want == nil || string(want) != got {
						setSection(ar, "want "+mode.String(), got)
						changed = true
					}
					continue
				}
				require.NotNil(t, want, "missing section want %s; run go test -update", mode)
				require.Equal(t, string(want), got, "mode %s", mode)
				checkWellFormed(t, trees["alpha"], trees["beta"], res)
			}
			if changed {
				require.NoError(t, os.WriteFile(file, txtar.Format(ar), 0o644))
			}
		})
	}
}

func section(ar *txtar.Archive, name string) []byte {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

func setSection(ar *txtar.Archive, name, data string) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = []byte(data)
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(data)})
}

// scenario remembers file contents by digest so results print as text.
type scenario struct{ contents map[tree.Digest]string }

func newScenario() *scenario { return &scenario{contents: map[tree.Digest]string{}} }

// parseTree reads a tree, one entry per line:
//
//	dir/           a directory
//	path = text    a file holding text
//	path* = text   an executable file
//	path -> target a symbolic link
//	path !         untracked content
//	(none)         no root at all
//
// Parent directories are implied; an empty section is an empty root directory.
func (s *scenario) parseTree(t *testing.T, data []byte) *tree.Entry {
	root := tree.NewDir(nil)
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		var e *tree.Entry
		var path string
		switch {
		case line == "":
			continue
		case line == "(none)":
			return nil
		case strings.HasSuffix(line, "/"):
			path, e = strings.TrimSuffix(line, "/"), tree.NewDir(nil)
		case strings.Contains(line, " -> "):
			p, target, _ := strings.Cut(line, " -> ")
			path, e = p, tree.NewSymlink(target)
		case strings.HasSuffix(line, " !"):
			path, e = strings.TrimSuffix(line, " !"), tree.NewUntracked("untracked")
		case strings.Contains(line, " = "):
			p, text, _ := strings.Cut(line, " = ")
			d := tree.Digest(xxh3.HashString128(text).Bytes())
			s.contents[d] = text
			exec := strings.HasSuffix(p, "*")
			path, e = strings.TrimSuffix(p, "*"), tree.NewFile(int64(len(text)), d, exec)
		default:
			t.Fatalf("bad tree line %q", line)
		}
		if existing := tree.Lookup(root, path); e.Kind == tree.Directory && existing != nil {
			continue
		}
		root = tree.With(root, path, e)
	}
	return root
}

// format prints a result, one line per change or conflict.
func (s *scenario) format(res Result) string {
	var b strings.Builder
	for _, side := range []struct {
		name    string
		changes []tree.Change
	}{{"alpha", res.AlphaChanges}, {"beta", res.BetaChanges}} {
		for _, c := range side.changes {
			fmt.Fprintf(&b, "%s %s: %s => %s\n", side.name, display(c.Path), s.describe(c.Old), s.describe(c.New))
		}
	}
	for _, c := range res.Conflicts {
		fmt.Fprintf(&b, "conflict %s: alpha %s, beta %s\n", display(c.Path), s.describe(c.Alpha), s.describe(c.Beta))
	}
	if b.Len() == 0 {
		return "(nothing)\n"
	}
	return b.String()
}

func display(path string) string {
	if path == "" {
		return "(root)"
	}
	return path
}

func (s *scenario) describe(e *tree.Entry) string {
	if e == nil {
		return "nothing"
	}
	switch e.Kind {
	case tree.File:
		exec := ""
		if e.Executable {
			exec = "*"
		}
		return fmt.Sprintf("%q%s", s.contents[e.Digest], exec)
	case tree.Symlink:
		return "-> " + e.Target
	case tree.Untracked:
		return "untracked"
	}
	names := make([]string, 0, len(e.Contents))
	for name := range e.Contents {
		names = append(names, name)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = name + ":" + s.describe(e.Contents[name])
	}
	return "{" + strings.Join(parts, " ") + "}"
}
