package remote_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/session"
)

func TestZZPerf(t *testing.T) {
	src := os.Getenv("PERF_SRC")
	if src == "" {
		t.Skip("PERF_SRC not set")
	}
	f := newFixture(t)
	m, err := session.NewManager(t.TempDir(), session.Transports{Local: session.OpenLocal, Remote: f.pool.Opener()}, func(l session.Level, id, msg string) { t.Log(msg) })
	require.NoError(t, err)
	f.m = m
	start := time.Now()
	_, err = f.m.Create(context.Background(), session.CreateRequest{Name: "p", Alpha: src, Beta: f.sshd.Alias() + ":~/dst"})
	require.NoError(t, err)
	f.flush("p")
	t.Logf("initial: %s", time.Since(start))
	for i := 0; i < 3; i++ {
		start = time.Now()
		f.flush("p")
		t.Logf("noop: %s", time.Since(start))
	}
}
