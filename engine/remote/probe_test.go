package remote

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPlatformFromUname(t *testing.T) {
	for _, tc := range []struct{ out, goos, goarch, err string }{
		{"Linux x86_64\n", "linux", "amd64", ""},
		{"Linux aarch64\n", "linux", "arm64", ""},
		{"Darwin arm64\n", "darwin", "arm64", ""},
		{"Darwin x86_64\n", "darwin", "amd64", ""},
		{"FreeBSD amd64\n", "", "", "FreeBSD"},
		{"Linux riscv64\n", "", "", "riscv64"},
		{"MINGW64_NT-10.0-19045 x86_64\n", "", "", "POSIX layer on Windows"},
		{"CYGWIN_NT-10.0-22631 x86_64\n", "", "", "POSIX layer on Windows"},
		{"'uname' is not recognized as an internal or external command,\r\n", "", "", "unexpected output"},
	} {
		goos, goarch, err := platform(tc.out)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.out)
			continue
		}
		require.NoError(t, err, tc.out)
		require.Equal(t, [2]string{tc.goos, tc.goarch}, [2]string{goos, goarch}, tc.out)
	}
}

func TestWindowsHome(t *testing.T) {
	for home, want := range map[string]bool{
		"/C:/Users/alice": true, // Windows OpenSSH's sftp-server
		"C:/Users/alice":  true,
		`D:\work`:         true,
		"/c:":             true,
		"/home/alice":     false,
		"/Users/alice":    false,
		"/":               false,
		"/C":              false,
		"/1:/x":           false,
	} {
		require.Equal(t, want, windowsHome(home), home)
	}
}

// The probe's answers as each shell prints windowsProbe: cmd expands %VAR% (and leaves
// an unset one as written) and prints $env:VAR; PowerShell's echo writes one argument
// a line, expands $env:VAR (nothing for an unset one) and prints %VAR%. Written from
// the shells' documented rules, not captured on Windows.
func TestParseWindowsProbe(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		arch      string
		shell     shellKind
		err       string
	}{
		{"cmd on x64", "ferry-probe AMD64 %PROCESSOR_ARCHITEW6432% $env:PROCESSOR_ARCHITECTURE $env:PROCESSOR_ARCHITEW6432\r\n", "amd64", shellCmd, ""},
		{"cmd on arm64", "ferry-probe ARM64 %PROCESSOR_ARCHITEW6432% $env:PROCESSOR_ARCHITECTURE $env:PROCESSOR_ARCHITEW6432\r\n", "arm64", shellCmd, ""},
		{"32-bit cmd on x64", "ferry-probe x86 AMD64 $env:PROCESSOR_ARCHITECTURE $env:PROCESSOR_ARCHITEW6432\r\n", "amd64", shellCmd, ""},
		{"PowerShell on x64", "ferry-probe\r\n%PROCESSOR_ARCHITECTURE%\r\n%PROCESSOR_ARCHITEW6432%\r\nAMD64\r\n", "amd64", shellPowerShell, ""},
		{"PowerShell on arm64", "ferry-probe\r\n%PROCESSOR_ARCHITECTURE%\r\n%PROCESSOR_ARCHITEW6432%\r\nARM64\r\n", "arm64", shellPowerShell, ""},
		{"a banner before the answer", "Welcome!\r\nferry-probe\r\n%PROCESSOR_ARCHITECTURE%\r\n%PROCESSOR_ARCHITEW6432%\r\nAMD64\r\n", "amd64", shellPowerShell, ""},
		{"32-bit Windows", "ferry-probe x86 %PROCESSOR_ARCHITEW6432% $env:PROCESSOR_ARCHITECTURE $env:PROCESSOR_ARCHITEW6432\r\n", "", 0, "processor is x86"},
		{"a POSIX shell", "ferry-probe %PROCESSOR_ARCHITECTURE% %PROCESSOR_ARCHITEW6432% :PROCESSOR_ARCHITECTURE :PROCESSOR_ARCHITEW6432\n", "", 0, "neither cmd nor PowerShell"},
		{"no answer", "", "", 0, "unexpected answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arch, shell, err := parseWindowsProbe(tc.out)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.arch, arch)
			require.Equal(t, tc.shell, shell)
		})
	}
}

func TestAgentCommands(t *testing.T) {
	posix := target{shell: shellPOSIX, path: "/home/al ice/.ferry/agents/v1-ab/ferry-agent"}
	require.Equal(t, `'/home/al ice/.ferry/agents/v1-ab/ferry-agent' 'agent'`, posix.command("agent"))

	win, err := windowsTarget("/C:/Users/John Smith", "v1-ab", "ferry-probe AMD64 %PROCESSOR_ARCHITEW6432% $env:PROCESSOR_ARCHITECTURE $env:PROCESSOR_ARCHITEW6432")
	require.NoError(t, err)
	require.Equal(t, "/C:/Users/John Smith/.ferry/agents/v1-ab/ferry-agent.exe", win.path, "the SFTP server's spelling, for the upload")
	require.Equal(t, [2]string{"windows", "amd64"}, [2]string{win.goos, win.goarch})
	require.Equal(t, `""C:\Users\John Smith\.ferry\agents\v1-ab\ferry-agent.exe" "agent""`, win.command("agent"))

	win.shell = shellPowerShell
	require.Equal(t, `& 'C:\Users\John Smith\.ferry\agents\v1-ab\ferry-agent.exe' 'agent'`, win.command("agent"))
	win.path = "/C:/Users/o'brien/.ferry/agents/v1-ab/ferry-agent.exe"
	require.Equal(t, `& 'C:\Users\o''brien\.ferry\agents\v1-ab\ferry-agent.exe' 'agent'`, win.command("agent"))
}
