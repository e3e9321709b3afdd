package main_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Container URLs are refused by the CLI itself, before any daemon is reached:
// FERRY_NO_AUTOSTART forbids starting one, and none is running.
func TestContainerEndpointsRefused(t *testing.T) {
	e := newEnv(t)
	e.extra = []string{"FERRY_NO_AUTOSTART=1"}
	local := filepath.Join(e.home, "app")
	require.NoError(t, os.MkdirAll(local, 0o755))
	const msg = "container endpoints are not supported yet; reach the container's host over SSH"
	e.fails(`endpoint "kubernetes://pod/app": `+msg, "sync", "create", local, "kubernetes://pod/app")
	e.fails(`endpoint "k8s://pod/app": `+msg, "sync", "create", "k8s://pod/app", local)
	e.fails(`"kubectl://pod:tcp:localhost:80": `+msg, "forward", "create", "tcp:localhost:8080", "kubectl://pod:tcp:localhost:80")
	e.fails(`"kubernetes://pod:tcp:localhost:80": `+msg, "forward", "create", "kubernetes://pod:tcp:localhost:80", "tcp:localhost:8080")
	_, err := os.Stat(filepath.Join(e.data, "daemon.log"))
	require.ErrorIs(t, err, os.ErrNotExist, "no daemon was started")
}
