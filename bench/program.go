package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Program lets a program outside `go test` start an sshdtest.Server: it implements
// sshdtest.TB with temp dirs under one root and cleanups that Close runs, last added
// first. Fatalf and Skipf panic with a *Fatal, which the program recovers after
// calling Close.
type Program struct {
	root string
	logf func(format string, args ...any)
	// Keep leaves the temp dirs in place (logs, data directories), for debugging.
	Keep bool

	mu       sync.Mutex
	n        int
	cleanups []func()
}

// Fatal is what Program.Fatalf panics with.
type Fatal struct{ Msg string }

func (f *Fatal) Error() string { return f.Msg }

// NewProgram keeps its temp dirs under root (which must exist) and logs with logf.
func NewProgram(root string, logf func(format string, args ...any)) *Program {
	return &Program{root: root, logf: logf}
}

func (p *Program) Helper() {}

func (p *Program) Cleanup(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cleanups = append(p.cleanups, f)
}

func (p *Program) TempDir() string {
	p.mu.Lock()
	p.n++
	dir := filepath.Join(p.root, fmt.Sprintf("tmp%03d", p.n))
	p.mu.Unlock()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		p.Fatalf("temp dir: %v", err)
	}
	p.Cleanup(func() {
		if !p.Keep {
			os.RemoveAll(dir)
		}
	})
	return dir
}

func (p *Program) Setenv(key, value string) {
	old, had := os.LookupEnv(key)
	os.Setenv(key, value)
	p.Cleanup(func() {
		if had {
			os.Setenv(key, old)
		} else {
			os.Unsetenv(key)
		}
	})
}

func (p *Program) Errorf(format string, args ...any) { p.logf("error: "+format, args...) }

func (p *Program) Fatalf(format string, args ...any) { panic(&Fatal{fmt.Sprintf(format, args...)}) }

func (p *Program) Skipf(format string, args ...any) {
	panic(&Fatal{"cannot run here: " + fmt.Sprintf(format, args...)})
}

// Close runs the cleanups, last added first.
func (p *Program) Close() {
	for {
		p.mu.Lock()
		n := len(p.cleanups)
		if n == 0 {
			p.mu.Unlock()
			return
		}
		f := p.cleanups[n-1]
		p.cleanups = p.cleanups[:n-1]
		p.mu.Unlock()
		f()
	}
}
