package main

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSystemdUnit(t *testing.T) {
	got := systemdUnit(serviceSpec{Exe: "/usr/local/bin/ferry", Log: "/home/me/.ferry/daemon.log"})
	require.Equal(t, `# Written by "ferry daemon register"; "ferry daemon unregister" removes it.
[Unit]
Description=ferry file synchronization daemon

[Service]
Type=simple
ExecStart="/usr/local/bin/ferry" daemon run
StandardOutput=append:/home/me/.ferry/daemon.log
StandardError=inherit
Restart=on-failure
RestartPreventExitStatus=3

[Install]
WantedBy=default.target
`, got)
}

func TestSystemdUnitQuoting(t *testing.T) {
	got := systemdUnit(serviceSpec{
		Exe: `/home/me/My Tools/100% "ferry"\$bin/ferry`,
		Env: []string{"FERRY_DATA_DIR=/home/me/sync data/50%", `FERRY_SSH_CONFIG=/home/me/a "b"\c`},
		Log: "/home/me/sync data/50%/daemon.log",
	})
	for _, line := range []string{
		`ExecStart="/home/me/My Tools/100%% \"ferry\"\\$$bin/ferry" daemon run`,
		`Environment="FERRY_DATA_DIR=/home/me/sync data/50%%"`,
		`Environment="FERRY_SSH_CONFIG=/home/me/a \"b\"\\c"`,
		`StandardOutput=append:/home/me/sync data/50%%/daemon.log`,
	} {
		require.Contains(t, strings.Split(got, "\n"), line)
	}
}

func TestLaunchdPlist(t *testing.T) {
	got := launchdPlist(serviceSpec{
		Exe: "/Users/me/My Apps/ferry & co/ferry",
		Env: []string{"FERRY_DATA_DIR=/Users/me/<data>"},
		Log: "/Users/me/<data>/daemon.log",
	})
	require.Contains(t, got, "<string>/Users/me/My Apps/ferry &amp; co/ferry</string>\n\t\t<string>daemon</string>\n\t\t<string>run</string>")
	require.Contains(t, got, "<key>FERRY_DATA_DIR</key>\n\t\t<string>/Users/me/&lt;data&gt;</string>")
	require.Contains(t, got, "<key>Label</key>\n\t<string>io.ferry.daemon</string>")
	require.Contains(t, got, "<key>RunAtLoad</key>\n\t<true/>")
	require.Contains(t, got, "<key>StandardErrorPath</key>\n\t<string>/Users/me/&lt;data&gt;/daemon.log</string>")
	require.NotContains(t, got, "KeepAlive")

	// It is well-formed XML, whose strings read back as given.
	dec := xml.NewDecoder(strings.NewReader(got))
	dec.Strict = true
	var strs []string
	inString := false
	for {
		tok, err := dec.Token()
		if err != nil {
			require.ErrorContains(t, err, "EOF")
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inString = tok.Name.Local == "string"
		case xml.CharData:
			if inString {
				strs = append(strs, string(tok))
			}
		case xml.EndElement:
			inString = false
		}
	}
	require.Equal(t, []string{"io.ferry.daemon", "/Users/me/My Apps/ferry & co/ferry", "daemon", "run",
		"/Users/me/<data>", "/Users/me/<data>/daemon.log", "/Users/me/<data>/daemon.log"}, strs)

	noEnv := launchdPlist(serviceSpec{Exe: "/f", Log: "/l"})
	require.NotContains(t, noEnv, "EnvironmentVariables")
}

func TestServiceFile(t *testing.T) {
	tests := []struct {
		name, goos, xdg, want, wantErr string
	}{
		{"linux default", "linux", "", "/home/me/.config/systemd/user/ferry.service", ""},
		{"linux XDG_CONFIG_HOME", "linux", "/cfg", "/cfg/systemd/user/ferry.service", ""},
		{"linux relative XDG_CONFIG_HOME is ignored", "linux", "cfg", "/home/me/.config/systemd/user/ferry.service", ""},
		{"macos", "darwin", "/cfg", "/home/me/Library/LaunchAgents/io.ferry.daemon.plist", ""},
		{"other systems", "windows", "", "", "knows systemd (Linux) and launchd (macOS), not windows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := serviceFile(tt.goos, "/home/me", tt.xdg)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestNewRegistrationCarriesTheEnvironment(t *testing.T) {
	t.Setenv("HOME", "/home/me")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("FERRY_DATA_DIR", "/srv/ferry data")
	t.Setenv("FERRY_AGENT_DIR", "")
	t.Setenv("FERRY_SSH_CONFIG", "/home/me/ssh config")
	r, err := newRegistration("linux")
	require.NoError(t, err)
	require.Equal(t, "/home/me/.config/systemd/user/ferry.service", r.file)
	require.Contains(t, r.content, "\nEnvironment=\"FERRY_DATA_DIR=/srv/ferry data\"\nEnvironment=\"FERRY_SSH_CONFIG=/home/me/ssh config\"\n")
	require.NotContains(t, r.content, "FERRY_AGENT_DIR")
	require.Contains(t, r.content, "StandardOutput=append:/srv/ferry data/daemon.log\n")
	require.Equal(t, "systemctl --user daemon-reload && systemctl --user enable --now ferry.service", byHand(r.manual))

	r, err = newRegistration("darwin")
	require.NoError(t, err)
	require.Equal(t, "/home/me/Library/LaunchAgents/io.ferry.daemon.plist", r.file)
	require.Contains(t, r.content, "<key>FERRY_SSH_CONFIG</key>")
	require.Equal(t, []string{"launchctl", "bootstrap", r.load[1][2], r.file}, r.load[1])
	require.Regexp(t, `^gui/\d+$`, r.load[1][2])
	require.Equal(t, [][]string{{"launchctl", "bootout", r.load[1][2] + "/io.ferry.daemon"}}, r.unload)
}
