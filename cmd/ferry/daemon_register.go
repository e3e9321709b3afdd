package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/server"
)

// registration is ferry's service for this user and system: its file, its content,
// and the service manager's commands that load and unload it.
type registration struct {
	manager string // "systemd" or "launchd", for messages
	file    string
	content string
	// load makes the manager read the file and start the daemon now and at login;
	// unload stops it and forgets the file (run before the file is removed). manual is
	// what to run by hand when load fails.
	load, unload, manual [][]string
	// links are files the manager's commands make (systemd's enable), removed by
	// unregister too in case the manager cannot be reached.
	links []string
}

// newRegistration builds the registration for goos from this process's environment.
func newRegistration(goos string) (registration, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return registration{}, fmt.Errorf("cannot find the home directory: %w", err)
	}
	file, err := serviceFile(goos, home, os.Getenv("XDG_CONFIG_HOME"))
	if err != nil {
		return registration{}, err
	}
	exe, err := os.Executable()
	if err != nil {
		return registration{}, fmt.Errorf("finding the ferry binary: %w", err)
	}
	if exe, err = filepath.Abs(exe); err != nil {
		return registration{}, err
	}
	dir, err := server.DataDir()
	if err != nil {
		return registration{}, err
	}
	spec := serviceSpec{Exe: exe, Log: server.LogPath(dir)}
	for _, name := range serviceEnv {
		if v := os.Getenv(name); v != "" {
			if name == "FERRY_DATA_DIR" {
				v = dir // absolute, as the service's working directory is not this one
			}
			spec.Env = append(spec.Env, name+"="+v)
		}
	}
	switch goos {
	case "linux":
		r := registration{manager: "systemd", file: file, content: systemdUnit(spec),
			load: [][]string{
				{"systemctl", "--user", "daemon-reload"},
				{"systemctl", "--user", "enable", "--now", systemdUnitName},
			},
			unload: [][]string{{"systemctl", "--user", "disable", "--now", systemdUnitName}},
			links:  []string{filepath.Join(filepath.Dir(file), "default.target.wants", systemdUnitName)},
		}
		r.manual = r.load
		return r, nil
	default: // darwin, as serviceFile allows no other
		domain := "gui/" + strconv.Itoa(os.Getuid())
		r := registration{manager: "launchd", file: file, content: launchdPlist(spec),
			load: [][]string{
				{"launchctl", "bootout", domain + "/" + launchdLabel}, // a previous registration; may fail
				{"launchctl", "bootstrap", domain, file},
			},
			unload: [][]string{{"launchctl", "bootout", domain + "/" + launchdLabel}},
		}
		r.manual = r.load[1:]
		return r, nil
	}
}

// byHand says how to run cmds in a shell.
func byHand(cmds [][]string) string {
	lines := make([]string, len(cmds))
	for i, c := range cmds {
		lines[i] = strings.Join(c, " ")
	}
	return strings.Join(lines, " && ")
}

// runServiceCommand runs a service manager's command, and returns its output in the error.
func runServiceCommand(ctx context.Context, args []string) error {
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		msg := strings.Join(strings.Fields(string(out)), " ")
		if msg == "" {
			return fmt.Errorf("%s: %w", strings.Join(args, " "), err)
		}
		return fmt.Errorf("%s: %s (%w)", strings.Join(args, " "), msg, err)
	}
	return nil
}

func daemonRegisterCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "register",
		Short: "Run the daemon at login, under systemd (Linux) or launchd (macOS)",
		Long: `Write a systemd user unit (~/.config/systemd/user/ferry.service) or a launchd agent
(~/Library/LaunchAgents/io.ferry.daemon.plist) that runs "ferry daemon run" with this
binary's absolute path, and load it so that it starts now and at every login. A daemon
already running is stopped first, so that the service's takes over; sessions resume.
FERRY_DATA_DIR, FERRY_AGENT_DIR and FERRY_SSH_CONFIG, when set, are written into the
service. Run it again after moving the binary.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := newRegistration(runtime.GOOS)
			if err != nil {
				return err
			}
			dir, err := server.DataDir()
			if err != nil {
				return err
			}
			// The log the service appends to lives in the data directory.
			if err := server.EnsureDataDir(dir); err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(r.file), 0o755); err != nil {
				return fmt.Errorf("creating %s: %w", filepath.Dir(r.file), err)
			}
			if err := registry.WriteFileAtomic(r.file, []byte(r.content), 0o644); err != nil {
				return fmt.Errorf("writing %s: %w", r.file, err)
			}
			fmt.Printf("Wrote %s.\n", r.file)
			if err := registerLoad(cmd.Context(), r, dir); err != nil {
				return fmt.Errorf("%s is written, but %s did not load it: %v; run by hand: %s", r.file, r.manager, err, byHand(r.manual))
			}
			fmt.Printf("The daemon runs under %s, now and at every login.\n", r.manager)
			return nil
		},
	}
}

// registerLoad runs r's load commands, and stops a daemon that runs outside the
// service manager before the last one starts the service's.
func registerLoad(ctx context.Context, r registration, dir string) error {
	for i, args := range r.load {
		last := i == len(r.load)-1
		if last {
			if err := client.StopDaemon(ctx, dir, "ferry-register"); err == nil {
				fmt.Println("Stopped the running daemon, for the service's to take over.")
			} else if !errors.Is(err, client.ErrNotRunning) {
				return fmt.Errorf("stopping the running daemon: %w", err)
			}
		}
		err := runServiceCommand(ctx, args)
		if err != nil && (last || r.manager != "launchd") {
			// launchd's first command boots out a previous registration, which fails
			// when there is none.
			return err
		}
	}
	return nil
}

func daemonUnregisterCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "unregister",
		Short: "Stop running the daemon at login (undoes ferry daemon register)",
		Long: `Stop the service's daemon, unload the service and remove its file. Sessions stay,
and resume when a ferry command next starts the daemon. Unregistering when nothing is
registered does nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := newRegistration(runtime.GOOS)
			if err != nil {
				return err
			}
			if _, err := os.Stat(r.file); errors.Is(err, fs.ErrNotExist) {
				fmt.Printf("The daemon is not registered with %s (%s does not exist).\n", r.manager, r.file)
				return nil
			}
			var unloadErr error
			for _, args := range r.unload {
				if err := runServiceCommand(cmd.Context(), args); err != nil && unloadErr == nil {
					unloadErr = err
				}
			}
			for _, p := range append(r.links, r.file) {
				if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("removing %s: %w", p, err)
				}
			}
			fmt.Printf("Removed %s.\n", r.file)
			if r.manager == "systemd" {
				if err := runServiceCommand(cmd.Context(), []string{"systemctl", "--user", "daemon-reload"}); err != nil && unloadErr == nil {
					unloadErr = err
				}
			}
			if unloadErr != nil {
				return fmt.Errorf("%s could not be told (%v): if its daemon still runs, run by hand: %s", r.manager, unloadErr, byHand(r.unload))
			}
			return nil
		},
	}
}
