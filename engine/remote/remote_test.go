package remote_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/remote"
	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
)

// agentDir holds an agent build for this platform, made once for the package's tests.
var agentDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ferry-agents-")
	if err != nil {
		panic(err)
	}
	out := filepath.Join(dir, "ferry-agent-"+runtime.GOOS+"-"+runtime.GOARCH)
	build := exec.Command("go", "build", "-o", out, "github.com/ferrysync/ferry/cmd/ferry-agent")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		panic(string(b))
	}
	agentDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type fixture struct {
	t    *testing.T
	sshd *sshdtest.Server
	pool *remote.Pool
	m    *session.Manager
}

func newFixture(t *testing.T) *fixture {
	sshd := sshdtest.Start(t, sshdtest.Options{SetEnv: true})
	pool := remote.NewPool(remote.NewBundle(agentDir))
	t.Cleanup(pool.Close)
	m, err := session.NewManager(t.TempDir(), session.Transports{Local: session.OpenLocal, Remote: pool.Opener()}, nil)
	require.NoError(t, err)
	t.Cleanup(m.Close)
	return &fixture{t: t, sshd: sshd, pool: pool, m: m}
}

func (f *fixture) flush(name string) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(f.t, f.m.Flush(ctx, registry.Selection{Specs: []string{name}}, session.FlushOptions{}))
}

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestRemoteSync(t *testing.T) {
	f := newFixture(t)
	alpha := t.TempDir()
	write(t, filepath.Join(alpha, "a.txt"), "hello")
	write(t, filepath.Join(alpha, "d/b.txt"), "world")
	_, err := f.m.Create(context.Background(), session.CreateRequest{Name: "r", Alpha: alpha, Beta: f.sshd.Alias() + ":~/mirror"})
	require.NoError(t, err)
	f.flush("r")
	beta := filepath.Join(f.sshd.RemoteHome(), "mirror")
	require.Equal(t, "hello", read(t, filepath.Join(beta, "a.txt")))
	require.Equal(t, "world", read(t, filepath.Join(beta, "d/b.txt")))

	write(t, filepath.Join(beta, "d/b.txt"), "edited remotely")
	f.flush("r")
	require.Equal(t, "edited remotely", read(t, filepath.Join(alpha, "d/b.txt")))
}
