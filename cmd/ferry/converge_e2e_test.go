package main_test

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
	"github.com/ferrysync/ferry/protocol"
)

// streamSeconds is how long the convergence tests' writers edit; FERRY_STREAM_SECONDS
// overrides it.
func streamSeconds(t *testing.T) time.Duration {
	if s := os.Getenv("FERRY_STREAM_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err, "FERRY_STREAM_SECONDS")
		return time.Duration(n) * time.Second
	}
	return 60 * time.Second
}

// TestTwoWayStreamConverges runs two writers, one on each side, for a minute:
// creates, in-place writes, atomic replaces, appends, deletes and renames of files and
// directories. Each writer owns a folder the other never touches ("a/" on alpha, "b/"
// on beta) and both write a shared folder "s/". When they stop, one flush must leave
// both sides equal to what the writers produced: each owned folder exactly as its
// writer left it on both sides (no edit lost, no deletion undone), no conflict outside
// "s/", no path left waiting, and in "s/" only real both-side edits as conflicts.
// With kills set, the daemon is SIGKILLed 20 times at seeded random points while the
// writers go on, and restarted.
func TestTwoWayStreamConverges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		remote bool
		kills  int
	}{
		{"local", false, 0},
		{"ssh", true, 0},
		{"local, daemon killed", false, 20},
		{"ssh, daemon killed", true, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The streams are mostly waiting writers: they run side by side, and load
			// the machine for one another, as a busy laptop would.
			t.Parallel()
			alpha := t.TempDir()
			var e *env
			var beta, betaURL string
			if tc.remote {
				var sshd *sshdtest.Server
				e, sshd = newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
				beta, betaURL = filepath.Join(sshd.RemoteHome(), "proj"), "devbox:~/proj"
			} else {
				e = newEnv(t)
				beta = filepath.Join(t.TempDir(), "beta")
				betaURL = beta
			}
			seed := uint64(len(tc.name)) * 7919
			writers := []*streamWriter{
				newStreamWriter(alpha, "a", seed+1),
				newStreamWriter(beta, "b", seed+2),
			}
			for _, w := range writers {
				w.seedTree(t)
			}
			e.ok("sync", "create", "--name", "stream", alpha, betaURL)
			e.ok("sync", "flush", "stream")

			stop := make(chan struct{})
			var wg sync.WaitGroup
			errs := make(chan error, len(writers))
			for _, w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- w.run(stop)
				}()
			}
			d := streamSeconds(t)
			rng := rand.New(rand.NewPCG(seed, 99))
			if tc.kills > 0 {
				// Kills at random points spread over the stream, each followed by a
				// restart after a random moment of downtime.
				for range tc.kills {
					time.Sleep(time.Duration(rng.Int64N(int64(d) / int64(tc.kills))))
					killDaemon(t, e.data)
					time.Sleep(time.Duration(rng.Int64N(int64(300 * time.Millisecond))))
					e.ok("daemon", "start")
				}
			} else {
				time.Sleep(d)
			}
			close(stop)
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}

			e.ok("sync", "flush", "stream")
			s := e.session("stream")
			requireConverged(t, s, alpha, beta, writers)
		})
	}
}

// requireConverged checks the end of a two-writer stream: see TestTwoWayStreamConverges.
func requireConverged(t *testing.T, s protocol.SyncSession, alpha, beta string, writers []*streamWriter) {
	t.Helper()
	sa, sb := snapshot(t, alpha), snapshot(t, beta)
	for _, w := range writers {
		want := w.expected()
		for name, side := range map[string]map[string]string{"alpha": sa, "beta": sb} {
			got := map[string]string{}
			for p, v := range side {
				if p == w.own || strings.HasPrefix(p, w.own+"/") {
					got[p] = v
				}
			}
			require.Empty(t, treeDiff(want, got), "%s/ on %s differs from what its writer left (want/got)", w.own, name)
		}
	}
	inConflict := map[string]bool{}
	for _, c := range s.Conflicts {
		require.True(t, c.Path == "s" || strings.HasPrefix(c.Path, "s/"),
			"conflict at %s, which only one writer touched: %+v", c.Path, c)
		inConflict[c.Path] = true
	}
	require.Equal(t, len(s.Conflicts), s.ConflictCount)
	for p := range unionKeys(sa, sb) {
		if !strings.HasPrefix(p, "s/") || sa[p] == sb[p] {
			continue
		}
		require.True(t, inConflict[p], "%s differs between the sides (alpha %q, beta %q) but is not a conflict", p, sa[p], sb[p])
	}
	require.Empty(t, s.Alpha.Problems, "paths left waiting on alpha")
	require.Empty(t, s.Beta.Problems, "paths left waiting on beta")
	requireRunning(t, s)
}

// treeDiff lists the paths where two snapshots differ, with both values.
func treeDiff(want, got map[string]string) []string {
	var out []string
	for p := range unionKeys(want, got) {
		if want[p] != got[p] {
			out = append(out, fmt.Sprintf("%s: %q / %q", p, want[p], got[p]))
		}
	}
	slices.Sort(out)
	return out
}

func unionKeys(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// killDaemon SIGKILLs the daemon holding the data directory's lock, and waits until
// it is gone.
func killDaemon(t *testing.T, data string) {
	t.Helper()
	pid := daemonPID(t, data)
	require.NotZero(t, pid, "no daemon holds %s", data)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	require.True(t, waitGone(pid, time.Minute), "the daemon %d survived SIGKILL", pid)
}

// daemonPID finds the process that has the data directory's lock file open.
func daemonPID(t *testing.T, data string) int {
	t.Helper()
	lock := filepath.Join(data, "daemon.lock")
	procs, err := os.ReadDir("/proc")
	require.NoError(t, err)
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fds, _ := os.ReadDir(filepath.Join("/proc", p.Name(), "fd"))
		for _, fd := range fds {
			if target, _ := os.Readlink(filepath.Join("/proc", p.Name(), "fd", fd.Name())); target == lock {
				return pid
			}
		}
	}
	return 0
}

// streamWriter edits one side of a session: its own folder, which the other writer
// never touches, and the shared folder "s". It keeps a model of what its own folder
// must hold.
type streamWriter struct {
	root, own string
	rng       *rand.Rand
	n         int
	model     map[string][]byte // own folder: relative path -> contents, nil for a directory
}

func newStreamWriter(root, own string, seed uint64) *streamWriter {
	return &streamWriter{root: root, own: own, rng: rand.New(rand.NewPCG(seed, 1)), model: map[string][]byte{}}
}

// seedTree writes the writer's starting files.
func (w *streamWriter) seedTree(t *testing.T) {
	for range 20 {
		require.NoError(t, w.write(w.ownPath(), w.content()))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(w.root, "s"), 0o755))
}

// ownPath picks a file path in the writer's folder (relative to the root), from a
// small set so that paths are reused.
func (w *streamWriter) ownPath() string {
	dirs := []string{"", "d0", "d1", "d2/e0", "d2/e1", "r0", "r1/e0"}
	return filepath.Join(w.own, dirs[w.rng.IntN(len(dirs))], fmt.Sprintf("f%d.txt", w.rng.IntN(12)))
}

// content makes the next contents: mostly small, sometimes large enough to be read
// while written.
func (w *streamWriter) content() []byte {
	w.n++
	size := 60 + w.rng.IntN(2000)
	if w.rng.IntN(20) == 0 {
		size = 256<<10 + w.rng.IntN(1<<20)
	}
	b := make([]byte, size)
	for i := range b {
		b[i] = byte('a' + (i*7+w.n)%26)
	}
	copy(b, fmt.Sprintf("%s edit %d\n", w.own, w.n))
	return b
}

// run edits until stop is closed. It returns the first unexpected error.
func (w *streamWriter) run(stop <-chan struct{}) error {
	for {
		select {
		case <-stop:
			return nil
		case <-time.After(time.Duration(2+w.rng.IntN(20)) * time.Millisecond):
		}
		if err := w.step(); err != nil {
			return fmt.Errorf("writer %s: %w", w.own, err)
		}
	}
}

// mkdirs creates the parents of rel and records them.
func (w *streamWriter) mkdirs(rel string) error {
	if err := os.MkdirAll(filepath.Join(w.root, filepath.Dir(rel)), 0o755); err != nil {
		return err
	}
	for d := filepath.Dir(rel); d != "."; d = filepath.Dir(d) {
		w.model[d] = nil
	}
	return nil
}

func (w *streamWriter) write(rel string, data []byte) error {
	if err := w.mkdirs(rel); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(w.root, rel), data, 0o644); err != nil {
		return err
	}
	w.model[rel] = data
	return nil
}

// move renames the model's entries at or below from to to.
func (w *streamWriter) move(from, to string) {
	for p, data := range w.model {
		if p == from || strings.HasPrefix(p, from+"/") {
			delete(w.model, p)
			if to != "" {
				w.model[to+strings.TrimPrefix(p, from)] = data
			}
		}
	}
}

// step makes one edit.
func (w *streamWriter) step() error {
	if w.rng.IntN(8) == 0 {
		w.shared()
		return nil
	}
	p := w.ownPath()
	abs := filepath.Join(w.root, p)
	data, exists := w.model[p]
	if !exists {
		return w.write(p, w.content())
	}
	switch op := w.rng.IntN(100); {
	case op < 20: // overwrite in place
		return w.write(p, w.content())
	case op < 40: // atomic replace, as editors save
		tmp := filepath.Join(filepath.Dir(abs), fmt.Sprintf(".%s.tmp%d", filepath.Base(abs), w.n))
		c := w.content()
		if err := os.WriteFile(tmp, c, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, abs); err != nil {
			return err
		}
		w.model[p] = c
	case op < 50: // append
		f, err := os.OpenFile(abs, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		more := w.content()[:50]
		_, err = f.Write(more)
		if err := errorsJoin(err, f.Close()); err != nil {
			return err
		}
		w.model[p] = append(slices.Clip(data), more...)
	case op < 68: // delete
		if err := os.Remove(abs); err != nil {
			return err
		}
		delete(w.model, p)
	case op < 86: // rename, over a file that may be there
		to := w.ownPath()
		if d, ok := w.model[to]; to == p || (ok && d == nil) {
			return nil
		}
		if err := w.mkdirs(to); err != nil {
			return err
		}
		if err := os.Rename(abs, filepath.Join(w.root, to)); err != nil {
			return err
		}
		delete(w.model, to)
		w.move(p, to)
	case op < 93: // delete a directory
		dir := filepath.Dir(p)
		if dir == w.own {
			return nil
		}
		if err := os.RemoveAll(filepath.Join(w.root, dir)); err != nil {
			return err
		}
		w.move(dir, "")
	default: // rename a directory to a free name
		dir := filepath.Dir(p)
		to := filepath.Join(w.own, fmt.Sprintf("r%d", w.rng.IntN(2)))
		if _, taken := w.model[to]; dir == w.own || taken || strings.HasPrefix(to, dir+"/") {
			return nil
		}
		if err := os.Rename(filepath.Join(w.root, dir), filepath.Join(w.root, to)); err != nil {
			return err
		}
		w.move(dir, to)
	}
	return nil
}

// shared edits the shared folder, where the other writer and the sync write too.
func (w *streamWriter) shared() {
	p := filepath.Join(w.root, "s", fmt.Sprintf("f%d.txt", w.rng.IntN(5)))
	if w.rng.IntN(3) == 0 {
		os.Remove(p)
		return
	}
	os.WriteFile(p, w.content(), 0o644)
}

// expected is what the writer's own folder must hold, in snapshot's form.
func (w *streamWriter) expected() map[string]string {
	out := map[string]string{w.own: "dir"}
	for p, data := range w.model {
		if data == nil {
			out[p] = "dir"
		} else {
			out[p] = fmt.Sprintf("file %x exec=false", sha256.Sum256(data))
		}
	}
	return out
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// TestInitialSyncSurvivesKills copies the Go source tree (11,000 files) to an SSH host
// with the daemon SIGKILLed every 3 seconds, as a laptop that keeps sleeping or a
// flaky link does: what was staged and landed before each kill is kept, so the sync
// still completes.
func TestInitialSyncSurvivesKills(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	alpha := filepath.Join(t.TempDir(), "src")
	copyGoTree(t, alpha)
	files := 0
	filepath.WalkDir(alpha, func(_ string, d fs.DirEntry, _ error) error {
		if d.Type().IsRegular() {
			files++
		}
		return nil
	})
	beta := filepath.Join(sshd.RemoteHome(), "go")
	e.ok("sync", "create", "--name", "go", alpha, "devbox:~/go")
	done := func(s protocol.SyncSession) bool {
		return s.Status == protocol.StatusWatching && s.Beta.Files == uint64(files) && s.Alpha.Files == uint64(files)
	}
	staging := func(s protocol.SyncSession) bool {
		return done(s) || (s.Staging != nil && s.Staging.BytesDone > 0)
	}
	kills := 0
	for {
		// Each run is killed 3 s after it starts staging again (the transfer is what
		// keeps being cut, however long a restart takes on this machine); the first is
		// killed at its first progress, so at least one kill lands mid-transfer.
		s, ok := e.waitStateWithin("go", 5*time.Minute, staging)
		require.True(t, ok, "no progress in 5 minutes after restart %d", kills)
		if done(s) {
			break
		}
		if kills > 0 {
			if _, ok := e.waitStateWithin("go", 3*time.Second, done); ok {
				break
			}
		}
		require.Less(t, kills, 100, "no progress: the initial sync did not complete after %d kills", kills)
		killDaemon(t, e.data)
		kills++
		e.ok("daemon", "start")
	}
	t.Logf("completed after %d kills", kills)
	require.Positive(t, kills, "the sync finished before the first kill; the test proves nothing")
	requireSameTree(t, alpha, beta)
	require.Zero(t, e.session("go").ConflictCount)
}
