package forward

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ferrysync/ferry/engine/registry"
	"github.com/stretchr/testify/require"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Every published state of a forward carries a greater Seq than the one before, even
// when many goroutines change it at once (here: 200 connections refused by the
// destination, counted concurrently), and a listed state carries the latest.
func TestForwardStatesArePublishedInSeqOrder(t *testing.T) {
	m, err := NewManager(t.TempDir(), OpenLocal, nil, nil)
	require.NoError(t, err)
	defer m.Close()
	var mu sync.Mutex
	var seqs []uint64
	failed := make(chan uint64, 1000)
	defer m.Subscribe(func(s State) {
		runtime.Gosched() // a subscriber that takes its time lets publishers pile up
		mu.Lock()
		seqs = append(seqs, s.Seq)
		mu.Unlock()
		select {
		case failed <- s.Failed:
		default:
		}
	})()

	src := freePort(t)
	st, err := m.Create(context.Background(), CreateRequest{Name: "refused",
		Source: fmt.Sprintf("tcp:127.0.0.1:%d", src), Destination: fmt.Sprintf("tcp:127.0.0.1:%d", freePort(t))})
	require.NoError(t, err)
	require.NotZero(t, st.Seq)

	const n = 200
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", src))
			if err == nil {
				c.Read(make([]byte, 1)) // the forward closes it
				c.Close()
			}
		}()
	}
	wg.Wait()
	timeout := time.After(time.Minute) // a bound for failure only
	for done := false; !done; {
		select {
		case f := <-failed:
			done = f == n
		case <-timeout:
			t.Fatal("the refused connections were never all counted")
		}
	}
	require.NoError(t, m.Pause(registry.Selection{Specs: []string{"refused"}}))
	require.NoError(t, m.Resume(registry.Selection{Specs: []string{"refused"}}))

	mu.Lock()
	got := append([]uint64(nil), seqs...)
	mu.Unlock()
	require.Greater(t, len(got), n/2)
	for i := 1; i < len(got); i++ {
		require.Greater(t, got[i], got[i-1], "state %d was published after a newer one: %v", i, got)
	}
	list, err := m.List(registry.Selection{})
	require.NoError(t, err)
	require.GreaterOrEqual(t, list[0].Seq, got[len(got)-1])
}
