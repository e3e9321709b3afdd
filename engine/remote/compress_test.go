package remote

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDecideCompression(t *testing.T) {
	t.Setenv(CompressionEnv, "")
	require.False(t, decideCompression(200*time.Microsecond, true), "loopback or a LAN: the link is faster than the compressor")
	require.True(t, decideCompression(40*time.Millisecond, true), "a WAN link")
	require.False(t, decideCompression(0, false), "unmeasured: as the fast case")
	t.Setenv(CompressionEnv, "always")
	require.True(t, decideCompression(0, true))
	t.Setenv(CompressionEnv, "never")
	require.False(t, decideCompression(time.Second, true))
}
