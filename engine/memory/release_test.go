package memory

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReleaseWaitsForQuiet(t *testing.T) {
	var freed atomic.Int32
	free := func() { freed.Add(1) }
	// Work that keeps coming postpones the release; one release follows the last.
	for i := 0; i < 5; i++ {
		release(200*time.Millisecond, free)
		time.Sleep(20 * time.Millisecond)
	}
	require.Zero(t, freed.Load(), "released while work was still coming")
	require.Eventually(t, func() bool { return freed.Load() == 1 }, 5*time.Second, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	require.EqualValues(t, 1, freed.Load(), "one release for the burst")
}

func TestShortWorkReleasesNothing(t *testing.T) {
	mu.Lock()
	timer = nil
	mu.Unlock()
	ReleaseAfter(Long - time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Nil(t, timer)
}
