package registry

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBackoffDoublesWithinBounds(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	ceilings := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, c := range ceilings {
		d := b.Next()
		require.LessOrEqual(t, d, c*time.Millisecond, "delay %d", i)
		require.GreaterOrEqual(t, d, c*time.Millisecond/2, "delay %d", i)
	}
	b.Reset()
	require.LessOrEqual(t, b.Next(), 100*time.Millisecond)
}

func TestBackoffWaitIsCancellable(t *testing.T) {
	b := Backoff{Min: time.Hour, Max: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.False(t, b.Wait(ctx, nil), "a cancelled wait returns at once")
	wake := make(chan struct{}, 1)
	wake <- struct{}{}
	require.True(t, b.Wait(context.Background(), wake), "a wake ends the wait")
}
