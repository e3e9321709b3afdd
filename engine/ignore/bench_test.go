package ignore

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchPatterns is a typical project's ignore list.
var benchPatterns = []string{
	"# build output",
	"node_modules/",
	"*.o",
	"*.a",
	"*.so",
	"build/",
	"!keep.o",
	"/dist",
	"**/tmp/**",
	"*.log",
	".DS_Store",
	"*.swp",
	"*~",
	"coverage/",
	"*.test",
	"/vendor/",
	"__pycache__/",
	"*.py[co]",
	"target/",
	".idea/",
	"docs/**/*.pdf",
	"Thumbs.db",
}

// benchEntries returns n paths spread over a source-like tree, a tenth of
// them directories.
func benchEntries(n int) []entry {
	rng := rand.New(rand.NewPCG(1, 2))
	dirs := []string{"src", "src/pkg", "internal/engine", "web/node_modules/react", "build", "docs/guide", "a/b/c/d/e", "x/tmp/y", "cmd/tool"}
	exts := []string{".go", ".go", ".go", ".c", ".h", ".o", ".md", ".log", ".pyc", ".py", ".json", ".tar.gz", ""}
	entries := make([]entry, n)
	for i := range entries {
		d := dirs[rng.IntN(len(dirs))]
		if rng.IntN(10) == 0 {
			entries[i] = entry{fmt.Sprintf("%s/dir%d", d, rng.IntN(1000)), true}
			continue
		}
		entries[i] = entry{fmt.Sprintf("%s/sub%d/file_%d%s", d, rng.IntN(50), i, exts[rng.IntN(len(exts))]), false}
	}
	return entries
}

func BenchmarkIgnored(b *testing.B) {
	m, err := Compile(benchPatterns)
	if err != nil {
		b.Fatal(err)
	}
	entries := benchEntries(100_000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e := &entries[i%len(entries)]
		m.Ignored(e.path, e.dir)
		i++
	}
}
