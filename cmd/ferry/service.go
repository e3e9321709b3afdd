package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ferrysync/ferry/cmd/ferry/client"
)

// A service makes the login's service manager run the daemon: a systemd user unit on
// Linux, a launchd agent on macOS. Its files are generated here, in pure functions;
// daemon_register.go writes them and runs the manager's commands.

// serviceEnv are the variables that configure the daemon; those set when registering
// are written into the service, which does not inherit the shell's environment.
var serviceEnv = []string{"FERRY_DATA_DIR", "FERRY_AGENT_DIR", "FERRY_SSH_CONFIG"}

// serviceSpec is what a service runs.
type serviceSpec struct {
	// Exe is the absolute path of the ferry binary; the service runs "Exe daemon run".
	Exe string
	// Env are NAME=value pairs for the daemon, in order.
	Env []string
	// Log is the daemon's log file, which its output is appended to.
	Log string
}

// systemdUnitName is the name of ferry's systemd user unit.
const systemdUnitName = "ferry.service"

// systemdUnit returns the systemd user unit that runs spec's daemon at login. A clean
// stop (ferry daemon stop, or the daemon replaced after an upgrade) stays stopped; a
// crash is restarted; a start that finds another daemon serving (client.ExitRunning)
// is not retried.
func systemdUnit(spec serviceSpec) string {
	var b strings.Builder
	b.WriteString("# Written by \"ferry daemon register\"; \"ferry daemon unregister\" removes it.\n")
	b.WriteString("[Unit]\nDescription=ferry file synchronization daemon\n\n[Service]\nType=simple\n")
	fmt.Fprintf(&b, "ExecStart=%s daemon run\n", systemdExecQuote(spec.Exe))
	for _, kv := range spec.Env {
		fmt.Fprintf(&b, "Environment=%s\n", systemdQuote(kv))
	}
	fmt.Fprintf(&b, "StandardOutput=append:%s\nStandardError=inherit\n", systemdEscapeSpecifiers(spec.Log))
	fmt.Fprintf(&b, "Restart=on-failure\nRestartPreventExitStatus=%d\n", client.ExitRunning)
	b.WriteString("\n[Install]\nWantedBy=default.target\n")
	return b.String()
}

// systemdQuote double-quotes s for a unit file: backslashes and quotes escaped, and
// "%" doubled so that it is not read as a specifier.
func systemdQuote(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
	return `"` + systemdEscapeSpecifiers(s) + `"`
}

// systemdExecQuote quotes a word of ExecStart, where "$" also expands variables.
func systemdExecQuote(s string) string {
	return strings.ReplaceAll(systemdQuote(s), "$", "$$")
}

func systemdEscapeSpecifiers(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// launchdLabel is the label of ferry's launchd agent, and its file's base name.
const launchdLabel = "io.ferry.daemon"

// launchdPlist returns the launchd agent that runs spec's daemon at login. It is not
// kept alive: launchd cannot be told to leave alone a start that found another daemon
// serving, and any ferry command starts the daemon when it is not running.
func launchdPlist(spec serviceSpec) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by "ferry daemon register"; "ferry daemon unregister" removes it. -->
<plist version="1.0">
<dict>
`)
	key := func(k string) { fmt.Fprintf(&b, "\t<key>%s</key>\n", xmlText(k)) }
	str := func(indent, s string) { fmt.Fprintf(&b, "%s<string>%s</string>\n", indent, xmlText(s)) }
	key("Label")
	str("\t", launchdLabel)
	key("ProgramArguments")
	b.WriteString("\t<array>\n")
	for _, a := range []string{spec.Exe, "daemon", "run"} {
		str("\t\t", a)
	}
	b.WriteString("\t</array>\n")
	if len(spec.Env) > 0 {
		key("EnvironmentVariables")
		b.WriteString("\t<dict>\n")
		for _, kv := range spec.Env {
			k, v, _ := strings.Cut(kv, "=")
			fmt.Fprintf(&b, "\t\t<key>%s</key>\n", xmlText(k))
			str("\t\t", v)
		}
		b.WriteString("\t</dict>\n")
	}
	key("RunAtLoad")
	b.WriteString("\t<true/>\n")
	key("StandardOutPath")
	str("\t", spec.Log)
	key("StandardErrorPath")
	str("\t", spec.Log)
	b.WriteString("</dict>\n</plist>\n")
	return b.String()
}

func xmlText(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s)) // writes to a buffer, which does not fail
	return b.String()
}

// serviceFile returns where goos's service manager looks for ferry's service, from
// the user's home and $XDG_CONFIG_HOME (which may be empty).
func serviceFile(goos, home, xdgConfigHome string) (string, error) {
	switch goos {
	case "linux":
		if xdgConfigHome == "" || !filepath.IsAbs(xdgConfigHome) {
			xdgConfigHome = filepath.Join(home, ".config")
		}
		return filepath.Join(xdgConfigHome, "systemd", "user", systemdUnitName), nil
	case "darwin":
		return filepath.Join(home, "Library", "LaunchAgents", launchdLabel+".plist"), nil
	}
	return "", fmt.Errorf("ferry daemon register knows systemd (Linux) and launchd (macOS), not %s; start \"ferry daemon run\" at login with the system's own means", goos)
}
