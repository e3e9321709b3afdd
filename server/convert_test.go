package server

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/protocol"
)

// TestConfigRoundTrips: a configuration from the API, every field set, comes back as
// it was given; a bad side setting is reported for its side.
func TestConfigRoundTrips(t *testing.T) {
	in := protocol.SyncConfig{Mode: "one-way-safe", Ignores: []string{"*.o"}, IgnoreVCS: true, GitIgnore: true,
		SymlinkMode: "posix-raw", WatchMode: "force-poll", PollIntervalSeconds: 2, MaxEntries: 10, MaxFileSize: 1 << 20,
		PermissionsMode: "portable", DefaultFileMode: "0640", DefaultDirectoryMode: "0750", DefaultOwner: "me", DefaultGroup: "us",
		Alpha: &protocol.SideConfig{WatchMode: "portable"},
		Beta:  &protocol.SideConfig{PollIntervalSeconds: 30, DefaultFileMode: "0600", DefaultDirectoryMode: "0700", DefaultOwner: "www", DefaultGroup: "www"}}
	cfg, err := fromWireConfig(in)
	require.NoError(t, err)
	require.Equal(t, in, toWireConfig(cfg))

	in.Beta = &protocol.SideConfig{WatchMode: "sometimes"}
	_, err = fromWireConfig(in)
	require.ErrorContains(t, err, `beta: unknown watch mode "sometimes"`)
	in.Beta = &protocol.SideConfig{DefaultFileMode: "0200"}
	_, err = fromWireConfig(in)
	require.ErrorContains(t, err, "beta: default file mode 0200")
	in.Beta = &protocol.SideConfig{PollIntervalSeconds: -3}
	_, err = fromWireConfig(in)
	require.ErrorContains(t, err, "beta: the polling interval cannot be negative; give seconds, at least 0.1")
}
