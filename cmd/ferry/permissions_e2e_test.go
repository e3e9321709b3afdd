package main_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
)

func permOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Lstat(path)
	require.NoError(t, err)
	return info.Mode().Perm()
}

// The manual permissions mode: new files and directories get the default modes, no
// executable bit travels, replaced files keep their mode; the default owner and group
// are resolved on the side that creates.
func TestManualPermissions(t *testing.T) {
	e := newEnv(t)
	base := t.TempDir()
	alpha, beta := filepath.Join(base, "alpha"), filepath.Join(base, "beta")
	writeFile(t, filepath.Join(alpha, "run.sh"), "#!/bin/sh\n", 0o755)
	writeFile(t, filepath.Join(alpha, "dir/notes.txt"), "notes\n", 0o600)
	args := []string{"sync", "create", "--name", "m", "--permissions-mode", "manual",
		"--default-file-mode", "0664", "--default-directory-mode", "0775"}
	if os.Geteuid() == 0 {
		args = append(args, "--default-owner", "nobody", "--default-group", "65534")
	}
	e.ok(append(args, alpha, beta)...)
	e.ok("sync", "flush", "m")
	require.Equal(t, fs.FileMode(0o664), permOf(t, filepath.Join(beta, "run.sh")), "no executable bit in the manual mode")
	require.Equal(t, fs.FileMode(0o664), permOf(t, filepath.Join(beta, "dir/notes.txt")))
	require.Equal(t, fs.FileMode(0o775), permOf(t, filepath.Join(beta, "dir")), "exactly, whatever the umask")
	if os.Geteuid() == 0 {
		st := statOf(t, filepath.Join(beta, "dir/notes.txt"))
		require.Equal(t, [2]uint32{65534, 65534}, [2]uint32{st.Uid, st.Gid})
	}
	cfg := e.session("m").Config
	require.Equal(t, "manual", cfg.PermissionsMode)
	require.Equal(t, "0664", cfg.DefaultFileMode)
	require.Equal(t, "0775", cfg.DefaultDirectoryMode)
	long := e.ok("sync", "list", "--long", "m")
	require.Contains(t, long, "  Permissions mode: manual\n")
	require.Contains(t, long, "  Default file mode: 0664\n  Default directory mode: 0775\n")

	// A mode change alone is not a change; a content change keeps the mode there.
	require.NoError(t, os.Chmod(filepath.Join(beta, "run.sh"), 0o700))
	writeFile(t, filepath.Join(alpha, "run.sh"), "#!/bin/sh\necho new\n", 0o755)
	e.ok("sync", "flush", "m")
	require.Equal(t, "#!/bin/sh\necho new\n", readFile(t, filepath.Join(beta, "run.sh")))
	require.Equal(t, fs.FileMode(0o700), permOf(t, filepath.Join(beta, "run.sh")))
	require.Equal(t, fs.FileMode(0o755), permOf(t, filepath.Join(alpha, "run.sh")))
	require.Zero(t, e.session("m").ConflictCount)

	// Bad input: a clear error, no session.
	for _, c := range []struct{ want, flag, value string }{
		{"unknown permissions mode \"exact\": use portable or manual", "--permissions-mode", "exact"},
		{"invalid default file mode \"rw-r--r--\": give octal permission bits such as 0644", "--default-file-mode", "rw-r--r--"},
		{"invalid default directory mode \"1777\"", "--default-directory-mode", "1777"},
		{"would not let the owner read and write", "--default-file-mode", "0444"},
		{"default owner \"no-such-user-here\": unknown on this system", "--default-owner", "no-such-user-here"},
		{"default group \"no-such-group-here\": unknown on this system", "--default-group", "no-such-group-here"},
	} {
		e.fails(c.want, "sync", "create", "--name", "bad", c.flag, c.value, alpha, filepath.Join(base, "bad"))
	}
	require.Len(t, e.sessions(), 1)
	require.NoDirExists(t, filepath.Join(base, "bad"))
}

// Over SSH the agent applies the modes, and resolves owner names on the remote.
func TestRemoteManualPermissions(t *testing.T) {
	e, sshd := newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
	alpha := t.TempDir()
	writeFile(t, filepath.Join(alpha, "tools/run.sh"), "#!/bin/sh\n", 0o755)
	e.ok("sync", "create", "--name", "m", "--permissions-mode", "manual", "--default-file-mode", "0640",
		"--default-directory-mode", "0750", "--default-group", strconv.Itoa(os.Getgid()), alpha, "devbox:~/m")
	e.ok("sync", "flush", "m")
	beta := filepath.Join(sshd.RemoteHome(), "m")
	require.Equal(t, fs.FileMode(0o640), permOf(t, filepath.Join(beta, "tools/run.sh")))
	require.Equal(t, fs.FileMode(0o750), permOf(t, filepath.Join(beta, "tools")))
	require.Equal(t, uint32(os.Getgid()), statOf(t, filepath.Join(beta, "tools/run.sh")).Gid)
	e.fails("default owner \"no-such-user-here\": unknown on this system", "sync", "create", "--default-owner", "no-such-user-here", alpha, "devbox:~/bad")
}

func statOf(t *testing.T, path string) *syscall.Stat_t {
	t.Helper()
	info, err := os.Lstat(path)
	require.NoError(t, err)
	return info.Sys().(*syscall.Stat_t)
}

// A project file's permission keys reach the session.
func TestProjectManualPermissions(t *testing.T) {
	e := newEnv(t)
	dir := projectDir(t, "perms", `sync:
  files:
    alpha: src
    beta: ../perms-mirror
    permissionsMode: manual
    defaultFileMode: 0640
    defaultDirectoryMode: "0o770"
`)
	writeFile(t, filepath.Join(dir, "src/bin/tool"), "#!/bin/sh\n", 0o755)
	e.ok("project", "start", dir)
	e.ok("project", "flush", dir)
	mirror := filepath.Join(filepath.Dir(dir), "perms-mirror")
	require.Equal(t, fs.FileMode(0o640), permOf(t, filepath.Join(mirror, "bin/tool")))
	require.Equal(t, fs.FileMode(0o770), permOf(t, filepath.Join(mirror, "bin")))
	cfg := e.sessions()[0].Config
	require.Equal(t, [3]string{"manual", "0640", "0770"}, [3]string{cfg.PermissionsMode, cfg.DefaultFileMode, cfg.DefaultDirectoryMode})
}
