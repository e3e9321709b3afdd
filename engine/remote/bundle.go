package remote

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/zeebo/xxh3"

	"github.com/ferrysync/ferry/protocol"
)

// Bundle is the set of agent builds the daemon can install, found in a directory
// (FERRY_AGENT_DIR, or "agents" next to the ferry binary), one file per platform named
// ferry-agent-<goos>-<goarch>.
type Bundle struct {
	dir  string
	once sync.Once
	id   string
	err  error
}

// FindBundle locates the agent builds.
func FindBundle() *Bundle {
	dir := os.Getenv("FERRY_AGENT_DIR")
	if dir == "" {
		if exe, err := os.Executable(); err == nil {
			if real, err := filepath.EvalSymlinks(exe); err == nil {
				exe = real
			}
			dir = filepath.Join(filepath.Dir(exe), "agents")
		}
	}
	return &Bundle{dir: dir}
}

// NewBundle uses the agent builds in dir.
func NewBundle(dir string) *Bundle { return &Bundle{dir: dir} }

// ID names this set of builds: the release and a hash of the builds' contents, so two
// different builds never share an install path.
func (b *Bundle) ID() (string, error) {
	b.once.Do(func() {
		entries, err := os.ReadDir(b.dir)
		if err != nil {
			b.err = fmt.Errorf("no agent builds in %s (%v); run \"make build\", or set FERRY_AGENT_DIR", b.dir, err)
			return
		}
		var names []string
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "ferry-agent-") {
				names = append(names, e.Name())
			}
		}
		if len(names) == 0 {
			b.err = fmt.Errorf("no agent builds in %s; run \"make build\", or set FERRY_AGENT_DIR", b.dir)
			return
		}
		slices.Sort(names)
		h := xxh3.New()
		for _, n := range names {
			f, err := os.Open(filepath.Join(b.dir, n))
			if err != nil {
				b.err = err
				return
			}
			io.WriteString(h, n)
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				b.err = err
				return
			}
		}
		sum := h.Sum128().Bytes()
		b.id = sanitize(protocol.Version) + "-" + hex.EncodeToString(sum[:6])
	})
	return b.id, b.err
}

// Path returns the build for a platform.
func (b *Bundle) Path(goos, goarch string) (string, error) {
	p := filepath.Join(b.dir, "ferry-agent-"+goos+"-"+goarch)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("there is no ferry agent build for %s/%s in %s; ferry supports linux, darwin and windows on amd64 and arm64", goos, goarch, b.dir)
	}
	return p, nil
}

// sanitize keeps a version usable as a path component.
func sanitize(v string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r < 32 {
			return '_'
		}
		return r
	}, v)
}

// platform maps `uname -s -m` output to Go's names. (Windows hosts are found by their
// SFTP home and probed by locate; a POSIX layer on Windows answers uname too.)
func platform(uname string) (goos, goarch string, err error) {
	f := strings.Fields(uname)
	if len(f) != 2 {
		return "", "", fmt.Errorf("unexpected output from uname -s -m: %q", strings.TrimSpace(uname))
	}
	switch s := strings.ToLower(f[0]); {
	case s == "linux":
		goos = "linux"
	case s == "darwin":
		goos = "darwin"
	case strings.HasPrefix(s, "cygwin") || strings.HasPrefix(s, "mingw") || strings.HasPrefix(s, "msys"):
		return "", "", fmt.Errorf("the remote is a POSIX layer on Windows (%s); ferry's Windows agent runs under Windows' own OpenSSH server, with cmd or PowerShell as its shell", f[0])
	default:
		return "", "", fmt.Errorf("the remote system is %s; ferry agents run on Linux, macOS and Windows", f[0])
	}
	switch strings.ToLower(f[1]) {
	case "x86_64", "amd64":
		goarch = "amd64"
	case "aarch64", "arm64":
		goarch = "arm64"
	default:
		return "", "", fmt.Errorf("the remote machine is %s; ferry agents run on amd64 and arm64", f[1])
	}
	return goos, goarch, nil
}
