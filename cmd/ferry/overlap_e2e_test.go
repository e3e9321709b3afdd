package main_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/project"
)

// A second session on a folder of another one is refused without a terminal (saying
// to pass --force), asked about on one, and created with --force.
func TestSyncCreateOverlap(t *testing.T) {
	e := newEnv(t)
	base, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	alpha, beta := filepath.Join(base, "web"), filepath.Join(base, "web-copy")
	require.NoError(t, os.MkdirAll(filepath.Join(alpha, "docs"), 0o755))
	link := filepath.Join(base, "web-link")
	require.NoError(t, os.Symlink(alpha, link))
	e.ok("sync", "create", "--paused", "--name", "web", alpha, beta)

	e.fails("session web already syncs "+alpha+" with "+beta+"; a second session on the same folders", "sync", "create", alpha, beta)
	e.fails("session web already syncs "+beta+" with "+alpha, "sync", "create", beta, alpha)
	e.fails("alpha ("+filepath.Join(alpha, "docs")+") lies inside alpha of session web ("+alpha+"), and the other folders overlap too; two sessions syncing the same files fight over them: choose another folder, terminate web first, or pass --force", "sync", "create", filepath.Join(alpha, "docs"), filepath.Join(beta, "docs"))
	e.fails("alpha ("+filepath.Join(link, "docs")+") lies inside alpha of session web", "sync", "create", filepath.Join(link, "docs"), filepath.Join(beta, "docs"))
	require.Len(t, e.sessions(), 1)
	require.NoDirExists(t, filepath.Join(beta, "docs"), "a refused create creates no folder")

	// One folder, or a folder inside it, with several others (fan-out) is not an overlap.
	e.ok("sync", "create", "--paused", "--name", "fan-out", alpha, filepath.Join(base, "web-second-copy"))
	e.ok("sync", "create", "--paused", "--name", "docs-fan-out", filepath.Join(alpha, "docs"), filepath.Join(base, "docs"))

	out, code := e.runInTerminal("n", "sync", "create", "--name", "asked-no", filepath.Join(alpha, "docs"), filepath.Join(beta, "docs"))
	require.NotEqual(t, 0, code, out)
	require.Contains(t, out, "lies inside alpha of session web")
	require.Contains(t, out, "Create it anyway? [y/N]")
	require.Contains(t, out, "session not created")
	require.Len(t, e.sessions(), 3)

	out, code = e.runInTerminal("y", "sync", "create", "--paused", "--name", "asked-yes", filepath.Join(alpha, "docs"), filepath.Join(beta, "docs"))
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "Created session")
	require.True(t, e.session("asked-yes").Paused)

	e.ok("sync", "create", "--paused", "--force", "--name", "forced", alpha, beta)
	require.Len(t, e.sessions(), 5)
}

// A project whose entries sync the same files twice fails to start, saying which
// sessions overlap, and starts with --force; one whose entries fan out starts.
func TestProjectStartOverlap(t *testing.T) {
	e := newEnv(t)
	fanOut := projectDir(t, "app", "sync:\n  all:\n    beta: ../app-backup\n  src:\n    alpha: src\n    beta: ../app-build\n")
	require.NoError(t, os.Mkdir(filepath.Join(fanOut, "src"), 0o755))
	e.ok("project", "start", fanOut)
	require.Len(t, e.sessions(), 2)
	e.ok("project", "stop", fanOut)

	dir := projectDir(t, "site", "sync:\n  all:\n    beta: ../site-mirror\n  docs:\n    alpha: docs\n    beta: ../site-mirror/docs\n")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "docs"), 0o755))
	r := e.run("project", "start", dir)
	require.NotEqual(t, 0, r.code)
	require.Contains(t, r.stderr, `sync "docs" (`+filepath.Join(dir, "docs"))
	require.Contains(t, r.stderr, "lies inside alpha of session "+project.SessionName(dir, "all"))
	require.Contains(t, r.stderr, "nothing was started")
	require.Empty(t, e.sessions())

	e.ok("project", "start", "--force", dir)
	require.Len(t, e.sessions(), 2)
}
