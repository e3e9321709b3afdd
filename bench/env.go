package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
)

// Alias is the ssh config Host alias of the harness's sshd.
const Alias = "devbox"

// Settings choose what a run measures and where its inputs are.
type Settings struct {
	// Quick runs a small version of every workload (CI); the figures are not
	// comparable with a full run's.
	Quick bool
	// Reps is how many times each timed operation runs per tool; 0 means 3 (1 when
	// Quick).
	Reps int
	// Bin holds ferry and agents/ (what `make build` writes); copied at start.
	Bin string
	// GoSrc is the Go distribution's src tree ($(go env GOROOT)/src).
	GoSrc string
	// ProfileDir, if set, receives CPU and heap profiles of the daemon and a CPU
	// profile of the agent for every ferry daemon the workloads start.
	ProfileDir string
	// Link is the simulated network between every tool and sshd (BENCH_LINK); the
	// zero Link is loopback.
	Link Link
	// Scale is the scale case's number of files (BENCH_SCALE); 0 means ScaleFiles.
	Scale int
	// CacheDir keeps generated trees between runs (the scale case's); "" keeps
	// them in the run's scratch space only.
	CacheDir string
	// W1Cases picks W1's and W2's trees by letter (BENCH_W1=a); "" keeps the sizes'.
	W1Cases string
}

// Sizes are the workloads' dimensions: the in a full run, small ones in quick
// mode.
type Sizes struct {
	GoSrcSub     string        // "" for all of GoSrc, or one subdirectory of it
	SmallFiles   int           // W1b, W3, W6: files of 100-4,000 bytes
	SmallTree    int           // W3's smallest tree
	BigFiles     int           // W1c
	BigSize      int64         // W1c: bytes per file
	Edits        int           // W3: edits per tree
	DeltaSize    int64         // W4: the file
	DeltaEdits   int           // W4: 100-byte edits per repetition
	StreamBytes  int64         // W5: one stream, each way
	Connects     int           // W5: sequential connections
	Streams      int           // W5: parallel streams
	StreamWindow time.Duration // W5: how long the parallel streams are measured
	Idle         time.Duration // W6
	W1Cases      string        // W1's and W2's trees by letter ("b"); "" for all
	W3Trees      int           // how many of W3's trees, smallest first; 0 for all
	LoadBytes    int64         // W7: what another writer puts on the disk meanwhile
}

// SizesFor returns the sizes, or the quick ones.
func SizesFor(quick bool) Sizes {
	if quick {
		return Sizes{GoSrcSub: "net", SmallFiles: 2000, SmallTree: 200, BigFiles: 2, BigSize: 8 << 20,
			Edits: 20, DeltaSize: 32 << 20, DeltaEdits: 100, StreamBytes: 64 << 20, Connects: 100,
			Streams: 100, StreamWindow: time.Second, Idle: 10 * time.Second, LoadBytes: 200_000_000}
	}
	return Sizes{SmallFiles: 100_000, SmallTree: 1000, BigFiles: 20, BigSize: 50 << 20,
		Edits: 200, DeltaSize: 256 << 20, DeltaEdits: 100, StreamBytes: 1 << 30, Connects: 1000,
		Streams: 100, StreamWindow: 5 * time.Second, Idle: 60 * time.Second, LoadBytes: 1_500_000_000}
}

// Env is what every workload runs in: the sshd and the client files that reach it,
// the binaries, scratch space, the trees, and the run's settings.
type Env struct {
	Settings
	Sizes Sizes
	TB    sshdtest.TB
	SSHD  *sshdtest.Server
	// Host is the ssh config alias every tool reaches sshd by: Alias, or with a Link
	// an alias through the link simulator ("devbox-wan").
	Host string
	// Work is scratch space for trees, data directories and logs.
	Work string
	Logf func(format string, args ...any)

	ferry string // the copied ferry binary

	mu       sync.Mutex
	trees    map[string]*Tree
	w1       map[string]*w1Copies // W1's remote copies by tree, for W2
	ferrySeq int
}

// NewEnv copies the binaries and starts the sshd. tb owns every process and temp dir
// it makes.
func NewEnv(tb sshdtest.TB, s Settings, logf func(format string, args ...any)) (*Env, error) {
	if s.Reps <= 0 {
		s.Reps = 3
		if s.Quick {
			s.Reps = 1
		}
	}
	e := &Env{Settings: s, Sizes: SizesFor(s.Quick), TB: tb, Work: tb.TempDir(), Logf: logf,
		trees: map[string]*Tree{}, w1: map[string]*w1Copies{}}
	if s.W1Cases != "" {
		e.Sizes.W1Cases = s.W1Cases
	}
	bin := filepath.Join(e.Work, "bin")
	if err := copyFile(filepath.Join(s.Bin, "ferry"), filepath.Join(bin, "ferry")); err != nil {
		return nil, fmt.Errorf("copying ferry (run make build): %w", err)
	}
	agents, err := filepath.Glob(filepath.Join(s.Bin, "agents", "ferry-agent-*"))
	if err != nil || len(agents) == 0 {
		return nil, fmt.Errorf("no agent builds in %s/agents: run make build", s.Bin)
	}
	for _, a := range agents {
		if err := copyFile(a, filepath.Join(bin, "agents", filepath.Base(a))); err != nil {
			return nil, err
		}
	}
	e.ferry = filepath.Join(bin, "ferry")
	if s.ProfileDir != "" {
		if err := os.MkdirAll(s.ProfileDir, 0o755); err != nil {
			return nil, err
		}
	}
	e.SSHD = sshdtest.Start(tb, sshdtest.Options{Alias: Alias})
	e.Host = Alias
	if !s.Link.IsZero() {
		if e.Host, err = e.linkHost(s.Link); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// linkHost starts a link simulator in front of sshd and returns the ssh config alias
// that reaches sshd through it ("devbox-wan"). The simulator runs until tb's cleanup.
func (e *Env) linkHost(l Link) (string, error) {
	p, err := StartProxy(e.SSHD.Addr(), l)
	if err != nil {
		return "", fmt.Errorf("starting the link simulator: %w", err)
	}
	e.TB.Cleanup(func() { p.Close() })
	alias := Alias + "-" + l.Name
	return alias, e.AddAlias(alias, p.Port())
}

// FerryBin is the ferry binary the workloads run (a copy of Settings.Bin's).
func (e *Env) FerryBin() string { return e.ferry }

// RemotePath is where a remote folder named name lives on this machine.
func (e *Env) RemotePath(name string) string { return filepath.Join(e.SSHD.RemoteHome(), name) }

// sshArgs are the OpenSSH client options every peer uses.
func (e *Env) sshArgs() []string {
	return []string{"-F", e.SSHD.ConfigPath(), "-o", "BatchMode=yes"}
}

// sshCommand is sshArgs as one shell word list, for rsync -e and unison -sshargs.
func (e *Env) sshCommand() string { return "ssh " + strings.Join(e.sshArgs(), " ") }

// peerEnv is the environment of the peers: the harness's client home, no agent.
func (e *Env) peerEnv() []string {
	return append(os.Environ(), "HOME="+e.SSHD.HomeDir(), "SSH_AUTH_SOCK=",
		"UNISON="+filepath.Join(e.Work, "unison"))
}

// run runs a command in the peers' environment and returns its error with its output.
func (e *Env) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = e.peerEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, lastLines(out.String(), 5))
	}
	return nil
}

// timed runs f and returns how long it took.
func timed(f func() error) (time.Duration, error) {
	start := time.Now()
	err := f()
	return time.Since(start), err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
