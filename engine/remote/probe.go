package remote

import (
	"fmt"
	"path"
	"strings"

	gossh "golang.org/x/crypto/ssh"
)

// A host's SSH server runs the commands ferry sends through the account's shell: a
// POSIX shell on Linux and macOS, cmd or PowerShell on a Windows OpenSSH server. The
// agent's install path, the command that starts it and the probe that finds its
// platform depend on which. Windows hosts are recognized by the home directory their
// SFTP server reports ("/C:/Users/alice"), so POSIX hosts cost no extra round trip.

// shellKind is how a host's SSH server runs commands.
type shellKind uint8

const (
	shellPOSIX shellKind = iota
	shellCmd
	shellPowerShell
)

func (s shellKind) String() string {
	return [...]string{"a POSIX shell", "cmd", "PowerShell"}[s]
}

// target is where and how the agent runs on one host.
type target struct {
	// goos and goarch are the host's platform; "" on a POSIX host until install
	// probes it with uname.
	goos, goarch string
	shell        shellKind
	// path is the agent's install path as the SFTP server names it.
	path string
}

// windowsProbe prints the processor architecture under cmd and under PowerShell
// alike: each shell expands its own syntax and prints the other's as it is.
// PROCESSOR_ARCHITEW6432 is set for a 32-bit shell on 64-bit Windows.
const windowsProbe = "echo ferry-probe %PROCESSOR_ARCHITECTURE% %PROCESSOR_ARCHITEW6432% $env:PROCESSOR_ARCHITECTURE $env:PROCESSOR_ARCHITEW6432"

// locate finds where the agent of build id lives on a host whose SFTP home is home;
// on a Windows host it runs windowsProbe first.
func locate(client *gossh.Client, home, id string) (target, error) {
	if !windowsHome(home) {
		return target{shell: shellPOSIX, path: path.Join(home, ".ferry", "agents", id, "ferry-agent")}, nil
	}
	out, err := run(client, windowsProbe)
	if err != nil {
		return target{}, fmt.Errorf("probing the Windows host's architecture: %w", err)
	}
	return windowsTarget(home, id, out)
}

// windowsTarget is the agent's place on a Windows host, from the probe's output.
func windowsTarget(home, id, probe string) (target, error) {
	arch, shell, err := parseWindowsProbe(probe)
	if err != nil {
		return target{}, err
	}
	return target{goos: "windows", goarch: arch, shell: shell,
		path: path.Join(home, ".ferry", "agents", id, "ferry-agent.exe")}, nil
}

// windowsHome reports whether an SFTP home directory is on a Windows drive: Windows
// OpenSSH's sftp-server names C:\Users\alice "/C:/Users/alice".
func windowsHome(home string) bool {
	h := strings.TrimPrefix(home, "/")
	return len(h) >= 2 && h[1] == ':' && isDriveLetter(h[0]) && (len(h) == 2 || h[2] == '/' || h[2] == '\\')
}

func isDriveLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// parseWindowsProbe reads windowsProbe's output: which shell ran it (the one whose
// variables were expanded) and the architecture (the 64-bit one of a 32-bit shell).
func parseWindowsProbe(out string) (goarch string, shell shellKind, err error) {
	fields := strings.Fields(out)
	start := -1
	for i, f := range fields {
		if f == "ferry-probe" {
			start = i
			break
		}
	}
	if start < 0 {
		return "", 0, fmt.Errorf("unexpected answer to the Windows probe: %q", strings.TrimSpace(out))
	}
	var values []string
	literalCmd, literalPS := false, false
	for _, f := range fields[start+1:] {
		switch {
		case strings.EqualFold(f, "%PROCESSOR_ARCHITECTURE%"):
			literalCmd = true
		case strings.HasPrefix(f, "%"):
			// cmd leaves a variable that is not set as it is written.
		case strings.HasPrefix(strings.ToLower(f), "$env:"):
			literalPS = true
		case strings.HasPrefix(f, ":"):
			// a POSIX shell expanded $env to nothing
			literalPS = true
		default:
			values = append(values, f)
		}
	}
	switch {
	case literalCmd && !literalPS:
		shell = shellPowerShell
	case literalPS && !literalCmd:
		shell = shellCmd
	default:
		return "", 0, fmt.Errorf("the host's SSH server runs neither cmd nor PowerShell (it answered %q); ferry's Windows agent needs one of them as the OpenSSH default shell", strings.TrimSpace(out))
	}
	if len(values) == 0 {
		return "", 0, fmt.Errorf("the Windows host did not say its processor architecture (it answered %q)", strings.TrimSpace(out))
	}
	arch := values[len(values)-1] // PROCESSOR_ARCHITEW6432 follows PROCESSOR_ARCHITECTURE when set
	switch strings.ToUpper(arch) {
	case "AMD64":
		return "amd64", shell, nil
	case "ARM64":
		return "arm64", shell, nil
	}
	return "", 0, fmt.Errorf("the Windows host's processor is %s; ferry agents run on amd64 and arm64", arch)
}

// command is the command line that runs the agent with args, for the host's shell.
func (t target) command(args ...string) string {
	switch t.shell {
	case shellCmd:
		// cmd /c keeps a quoted program name only in narrow cases; wrapped in one more
		// pair of quotes, which it always strips, the line means the same whatever
		// the path holds.
		parts := []string{`"` + windowsPath(t.path) + `"`}
		for _, a := range args {
			parts = append(parts, `"`+a+`"`)
		}
		return `"` + strings.Join(parts, " ") + `"`
	case shellPowerShell:
		parts := []string{"&", psQuote(windowsPath(t.path))}
		for _, a := range args {
			parts = append(parts, psQuote(a))
		}
		return strings.Join(parts, " ")
	}
	parts := []string{shellQuote(t.path)}
	for _, a := range args {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

// windowsPath turns an SFTP path on a Windows host into the system's own form:
// "/C:/Users/alice/x" is C:\Users\alice\x.
func windowsPath(p string) string {
	if windowsHome(p) {
		p = strings.TrimPrefix(p, "/")
	}
	return strings.ReplaceAll(p, "/", `\`)
}

// psQuote quotes s as a PowerShell literal string.
func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
