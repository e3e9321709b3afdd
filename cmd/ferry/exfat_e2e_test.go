package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
	"github.com/ferrysync/ferry/protocol"
)

// exfatDir mounts a fresh exFAT file system (through FUSE on a loop device, as a USB
// drive would be) and returns its mount point: case-insensitive and case-preserving,
// without POSIX modes, symbolic links, hard links or RENAME_NOREPLACE. It skips, with
// the reason, where that cannot be had.
func exfatDir(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"mkfs.exfat", "mount.exfat-fuse", "losetup"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("exFAT tests need %s (apt-get install exfat-fuse exfatprogs)", tool)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("exFAT tests attach a loop device, which needs root")
	}
	img := filepath.Join(t.TempDir(), "exfat.img")
	run := func(name string, args ...string) string {
		out, err := exec.Command(name, args...).CombinedOutput()
		require.NoError(t, err, "%s %v: %s", name, args, out)
		return strings.TrimSpace(string(out))
	}
	require.NoError(t, os.WriteFile(img, nil, 0o600))
	require.NoError(t, os.Truncate(img, 64<<20))
	run("mkfs.exfat", img)
	dev, err := exec.Command("losetup", "-f", "--show", img).CombinedOutput()
	if err != nil {
		t.Skipf("no loop device can be attached here: %s", strings.TrimSpace(string(dev)))
	}
	loop := strings.TrimSpace(string(dev))
	t.Cleanup(func() { exec.Command("losetup", "-d", loop).Run() })
	mnt := t.TempDir()
	run("mount.exfat-fuse", loop, mnt)
	t.Cleanup(func() {
		if exec.Command("fusermount", "-u", mnt).Run() != nil {
			exec.Command("umount", mnt).Run()
		}
	})
	return mnt
}

// names lists a directory's entries as the file system spells them.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

const (
	cafeNFC = "caf\u00e9"
	cafeNFD = "cafe\u0301"
)

// TestExFATSide syncs a Linux tree to an exFAT side, locally and with the exFAT side on
// an SSH host: names exFAT folds together are reported and never written over each
// other, NFC and NFD spellings (distinct on exFAT) both sync, executable bits come from
// the Linux side, symbolic links are reported, a case-only rename is a rename there,
// and new files land although exFAT has no no-replace rename.
func TestExFATSide(t *testing.T) {
	for _, remote := range []bool{false, true} {
		t.Run(map[bool]string{false: "local", true: "ssh"}[remote], func(t *testing.T) {
			mnt := exfatDir(t)
			beta := filepath.Join(mnt, "proj")
			alpha := t.TempDir()
			var e *env
			betaURL := beta
			if remote {
				e, _ = newRemoteEnv(t, sshdtest.Options{Alias: "devbox"})
				betaURL = "devbox:" + beta
			} else {
				e = newEnv(t)
			}
			writeFile(t, filepath.Join(alpha, "README.md"), "upper\n", 0o644)
			writeFile(t, filepath.Join(alpha, "Readme.md"), "mixed\n", 0o644)
			writeFile(t, filepath.Join(alpha, cafeNFC), "nfc\n", 0o644)
			writeFile(t, filepath.Join(alpha, cafeNFD), "nfd\n", 0o644)
			writeFile(t, filepath.Join(alpha, "run.sh"), "#!/bin/sh\n", 0o755)
			writeFile(t, filepath.Join(alpha, "lib.txt"), "lib\n", 0o644)
			writeFile(t, filepath.Join(alpha, "sub", "a.txt"), "a\n", 0o644)
			require.NoError(t, os.Symlink("lib.txt", filepath.Join(alpha, "link")))

			e.ok("sync", "create", "--name", "fat", alpha, betaURL)
			e.ok("sync", "flush", "fat")
			require.Equal(t, []string{cafeNFD, cafeNFC, "lib.txt", "run.sh", "sub"}, dirNames(t, beta),
				"both spellings of café land (exFAT tells them apart); README.md and Readme.md do not; the link does not")
			require.Equal(t, "nfc\n", readFile(t, filepath.Join(beta, cafeNFC)))
			require.Equal(t, "nfd\n", readFile(t, filepath.Join(beta, cafeNFD)))
			s := e.session("fat")
			var alphaProblems, betaProblems []string
			for _, p := range s.Alpha.Problems {
				alphaProblems = append(alphaProblems, p.Path+": "+p.Error)
			}
			for _, p := range s.Beta.Problems {
				betaProblems = append(betaProblems, p.Path+": "+p.Error)
			}
			require.Len(t, alphaProblems, 2, "%v", alphaProblems)
			for _, p := range alphaProblems {
				require.Contains(t, p, `"README.md" and "Readme.md" are one name on beta`)
			}
			require.Len(t, betaProblems, 1, "%v", betaProblems)
			require.Contains(t, betaProblems[0], "link: not synchronized: the file system of beta cannot hold symbolic links")
			require.NotNil(t, s.Beta.FileSystem)
			require.True(t, s.Beta.FileSystem.CaseInsensitive)
			require.False(t, s.Beta.FileSystem.ExecutableBits || s.Beta.FileSystem.Symlinks || s.Beta.FileSystem.NoReplaceRename || s.Beta.FileSystem.HardLinks, "%+v", s.Beta.FileSystem)
			require.False(t, s.Alpha.FileSystem.CaseInsensitive)
			require.Contains(t, e.ok("sync", "list", "--long", "fat"), "File system: case-insensitive, no executable bits, no symbolic links, no no-replace renames, no hard links")

			// Edits on the exFAT side keep alpha's executable bits.
			writeFile(t, filepath.Join(beta, "run.sh"), "#!/bin/sh\necho edited\n", 0o644)
			writeFile(t, filepath.Join(beta, "lib.txt"), "lib edited\n", 0o644)
			e.ok("sync", "flush", "fat")
			require.Equal(t, "#!/bin/sh\necho edited\n", readFile(t, filepath.Join(alpha, "run.sh")))
			require.Equal(t, os.FileMode(0o755), permOf(t, filepath.Join(alpha, "run.sh")))
			require.Equal(t, os.FileMode(0o644), permOf(t, filepath.Join(alpha, "lib.txt")))

			// A change of case only is a rename on the exFAT side.
			require.NoError(t, os.Rename(filepath.Join(alpha, "sub", "a.txt"), filepath.Join(alpha, "sub", "A.txt")))
			e.ok("sync", "flush", "fat")
			require.Equal(t, []string{"A.txt"}, dirNames(t, filepath.Join(beta, "sub")))
			require.Equal(t, []string{"A.txt"}, dirNames(t, filepath.Join(alpha, "sub")))
			require.Equal(t, "a\n", readFile(t, filepath.Join(beta, "sub", "A.txt")))

			// Renaming one of the colliding names lets both sync.
			require.NoError(t, os.Rename(filepath.Join(alpha, "Readme.md"), filepath.Join(alpha, "Readme2.md")))
			e.ok("sync", "flush", "fat")
			require.Equal(t, "upper\n", readFile(t, filepath.Join(beta, "README.md")))
			require.Equal(t, "mixed\n", readFile(t, filepath.Join(beta, "Readme2.md")))
			// The flush's cycle may be followed by a short one for what it landed.
			s = e.waitState("fat", "watching", func(s protocol.SyncSession) bool { return s.Status == protocol.StatusWatching })
			require.Zero(t, s.ConflictCount)
			require.Empty(t, s.Alpha.Problems)
		})
	}
}
