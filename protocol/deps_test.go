package protocol_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// deps lists the ferry packages pkg imports, directly or not.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
	require.NoError(t, err)
	var ferry []string
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/ferrysync/ferry/") {
			ferry = append(ferry, strings.TrimPrefix(p, "github.com/ferrysync/ferry/"))
		}
	}
	return ferry
}

// TestDependencyDirection guards the layering docs/ARCHITECTURE.md describes: the
// API and wire packages sit below the engine's controllers, the agent links no sync
// controller, and forwarding links nothing of synchronization.
func TestDependencyDirection(t *testing.T) {
	for _, rule := range []struct {
		pkg       string
		forbidden []string
	}{
		{"./", []string{"engine/", "server", "agent"}},
		{"./agentwire", []string{"engine/session", "engine/forward", "engine/remote", "engine/reconcile", "server"}},
		{"../agent", []string{"engine/session", "engine/remote", "server"}},
		{"../engine/forward", []string{"engine/session", "engine/scan", "engine/stage", "engine/transition", "engine/watch", "engine/reconcile"}},
		{"../engine/registry", []string{"engine/session", "engine/forward"}},
		{"../engine/local", []string{"engine/session", "engine/remote"}},
	} {
		for _, d := range deps(t, rule.pkg) {
			for _, f := range rule.forbidden {
				require.False(t, d == f || strings.HasPrefix(d, f), "%s imports %s, which it must not", rule.pkg, d)
			}
		}
	}
}

// TestMakeHelpListsEveryTarget keeps "make help" whole: every target of the Makefile
// has its line.
func TestMakeHelpListsEveryTarget(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join("..", "Makefile"))
	require.NoError(t, err)
	out, err := exec.Command("make", "-s", "-C", "..", "help").Output()
	require.NoError(t, err)
	for _, m := range regexp.MustCompile(`(?m)^([a-z][a-z-]*):`).FindAllStringSubmatch(string(mk), -1) {
		require.Contains(t, string(out), "make "+m[1]+" ", "make help does not list %s", m[1])
	}
}
