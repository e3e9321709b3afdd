package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/protocol"
)

func TestCounted(t *testing.T) {
	for _, c := range []struct {
		n    int
		noun string
		more []string
		want string
	}{
		{0, "file", nil, "0 files"},
		{1, "file", nil, "1 file"},
		{2, "conflict", nil, "2 conflicts"},
		{1, "entry", []string{"entries"}, "1 entry"},
		{7, "entry", []string{"entries"}, "7 entries"},
	} {
		require.Equal(t, c.want, counted(c.n, c.noun, c.more...))
	}
	require.Equal(t, "1 directory", counted(uint64(1), "directory", "directories"))
}

func TestFormatETA(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "1s"},
		{300 * time.Millisecond, "1s"},
		{4 * time.Second, "4s"},
		{4100 * time.Millisecond, "5s"},
		{125 * time.Second, "2m05s"},
		{80 * time.Minute, "1h20m"},
		{200 * time.Hour, ">99h"},
	} {
		require.Equal(t, c.want, formatETA(c.d), "%v", c.d)
	}
}

func TestFormatProgress(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		name string
		p    protocol.StagingProgress
		want string
	}{
		{"the issue's example", protocol.StagingProgress{FilesDone: 8942, FilesTotal: 11782, BytesDone: 512 * mib, BytesTotal: 680 * mib, Rate: 41 * mib, Path: "src/big.bin"},
			"75% (8942/11782 files, 512.0 MiB/680.0 MiB, 41.0 MiB/s, ETA 5s) src/big.bin"},
		{"no rate yet", protocol.StagingProgress{FilesDone: 0, FilesTotal: 1, BytesDone: 0, BytesTotal: 10},
			"0% (0/1 file, 0 B/10 B)"},
		{"only empty files: percentage of files", protocol.StagingProgress{FilesDone: 1, FilesTotal: 4},
			"25% (1/4 files, 0 B/0 B)"},
		{"nearly done is not 100%", protocol.StagingProgress{FilesDone: 1, FilesTotal: 2, BytesDone: 999, BytesTotal: 1000, Rate: 1000},
			"99% (1/2 files, 999 B/1000 B, 1000 B/s, ETA 1s)"},
		{"done", protocol.StagingProgress{FilesDone: 2, FilesTotal: 2, BytesDone: 1000, BytesTotal: 1000, Rate: 1000},
			"100% (2/2 files, 1000 B/1000 B, 1000 B/s)"},
	} {
		require.Equal(t, c.want, formatProgress(c.p), c.name)
	}
}

func testSession(id, name, status string, seq uint64) protocol.SyncSession {
	return protocol.SyncSession{ID: id, Name: name, Status: status, Seq: seq}
}

// TestMonitorTerminalBlock: on a terminal every session keeps its own line; a change
// moves the cursor up over the block and redraws it.
func TestMonitorTerminalBlock(t *testing.T) {
	var b bytes.Buffer
	m := newMonitor(&b, true, 0)
	require.NoError(t, m.show(testSession("s1", "one", protocol.StatusScanning, 1)))
	require.Equal(t, "\r\033[Kone: scanning\n", b.String())
	b.Reset()
	require.NoError(t, m.show(testSession("s2", "two", protocol.StatusWatching, 1)))
	require.Equal(t, "\033[1A\r\033[Kone: scanning\n\r\033[Ktwo: watching for changes\n", b.String())
	b.Reset()
	staging := testSession("s1", "one", protocol.StatusStagingBeta, 2)
	staging.Staging = &protocol.StagingProgress{FilesDone: 1, FilesTotal: 2, BytesDone: 5, BytesTotal: 10, Path: "a.txt"}
	staging.ConflictCount = 1
	require.NoError(t, m.show(staging))
	require.Equal(t, "\033[2A\r\033[Kone: staging files on beta: 50% (1/2 files, 5 B/10 B) a.txt [1 conflict]\n\r\033[Ktwo: watching for changes\n", b.String())
	b.Reset()
	// The same line again, or an older state, draws nothing.
	require.NoError(t, m.show(staging))
	require.NoError(t, m.show(testSession("s1", "one", protocol.StatusScanning, 1)))
	require.Empty(t, b.String())
}

func TestMonitorLineCut(t *testing.T) {
	var b bytes.Buffer
	m := newMonitor(&b, true, 12)
	require.NoError(t, m.show(testSession("s1", "long-name", protocol.StatusWatching, 1)))
	require.Equal(t, "\r\033[Klong-name:…\n", b.String())
}

func TestMonitorNotTerminal(t *testing.T) {
	var b bytes.Buffer
	m := newMonitor(&b, false, 0)
	require.NoError(t, m.show(testSession("s1", "one", protocol.StatusScanning, 1)))
	require.NoError(t, m.show(testSession("s2", "", protocol.StatusWatching, 1)))
	require.NoError(t, m.show(testSession("s1", "one", protocol.StatusWatching, 2)))
	gone := testSession("s2", "", protocol.StatusWatching, 2)
	gone.Terminated = true
	require.NoError(t, m.show(gone))
	require.Equal(t, "one: scanning\ns2: watching for changes\none: watching for changes\ns2: terminated\n", b.String())
}

func TestMonitorJSON(t *testing.T) {
	var b bytes.Buffer
	m := newMonitor(&b, false, 0)
	m.json = true
	require.NoError(t, m.show(testSession("s1", "one", protocol.StatusScanning, 1)))
	require.NoError(t, m.show(testSession("s1", "one", protocol.StatusWatching, 3)))
	require.NoError(t, m.show(testSession("s1", "one", protocol.StatusScanning, 2))) // stale
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	require.Len(t, lines, 2)
	require.Contains(t, lines[0], `"status":"scanning"`)
	require.Contains(t, lines[1], `"status":"watching"`)
}

func TestPrintTemplate(t *testing.T) {
	items := []protocol.SyncSession{testSession("s1", "one", "watching", 1), testSession("s2", "", "paused", 1)}
	for _, c := range []struct {
		name, tmpl, want, err string
	}{
		{"a newline is added", "{{.Name}} {{.Status}}", "one watching\n paused\n", ""},
		{"an ending newline is kept", "{{.ID}}\n", "s1\ns2\n", ""},
		{"json function", `{{json .Labels}}`, "null\nnull\n", ""},
		{"parse error", "{{.Name", "", "the --template is not a valid Go template"},
		{"unknown function", "{{nope .Name}}", "", `function "nope" not defined`},
		{"unknown field", "{{.Bogus}}", "", "the --template failed"},
	} {
		var b bytes.Buffer
		err := printTemplate(&b, c.tmpl, items)
		if c.err != "" {
			require.ErrorContains(t, err, c.err, c.name)
			require.Empty(t, b.String(), "%s: nothing printed on failure", c.name)
			continue
		}
		require.NoError(t, err, c.name)
		require.Equal(t, c.want, b.String(), c.name)
	}
}

func TestConfirmResolve(t *testing.T) {
	paths := []string{"a.txt", "b.txt"}
	var out bytes.Buffer
	require.ErrorContains(t, confirmResolve(strings.NewReader(""), &out, false, "docs", "alpha", paths), "pass --yes")
	require.Empty(t, out.String(), "no prompt without a terminal")
	require.NoError(t, confirmResolve(strings.NewReader("maybe\nyes\n"), &out, true, "docs", "alpha", paths))
	require.Contains(t, out.String(), "Keep alpha's version of 2 paths in docs, replacing beta's:\n  a.txt\n  b.txt\n")
	require.Contains(t, out.String(), "Please type 'yes' or 'no'.")
	require.ErrorContains(t, confirmResolve(strings.NewReader("no\n"), &out, true, "docs", "beta", paths), "nothing resolved")
	require.ErrorContains(t, confirmResolve(strings.NewReader(""), &out, true, "docs", "beta", paths), "no answer")
}

func TestSSHHosts(t *testing.T) {
	path := t.TempDir() + "/config"
	require.NoError(t, writeString(path, "Host devbox dev2 # comment\n  HostName 10.0.0.1\nHost *.corp !bad\nhost=desk\nMatch all\n\tHost\tlaptop\nHost devbox\n"))
	require.Equal(t, []string{"devbox", "dev2", "desk", "laptop"}, sshHosts(path))
	require.Nil(t, sshHosts(path+"-missing"))
}

func writeString(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }
