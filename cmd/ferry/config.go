package main

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/engine/project"
	"github.com/ferrysync/ferry/protocol"
	"github.com/ferrysync/ferry/server"
)

// Configuration files hold defaults for the sessions that sync create, forward create
// and project start make (see engine/project's Defaults). They apply in this order,
// each over the one before: the global files (project.GlobalConfigFiles), the -c
// file, the project's defaults: and entries, then the flags the user set.

// configOptions are the root command's configuration flags.
type configOptions struct {
	// file is the -c/--config file ("": none).
	file string
	// noGlobal skips the global configuration files.
	noGlobal bool
}

var config configOptions

func addConfigFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVarP(&config.file, "config", "c", "", "also read session defaults from this configuration file (after the global one)")
	f.BoolVar(&config.noGlobal, "no-global-configuration", false, "skip the global configuration file (~/.ferry/config.yml)")
}

// loadDefaults reads the configuration files that apply (nil when there are none).
func loadDefaults() (*project.Defaults, error) {
	var d *project.Defaults
	if !config.noGlobal {
		dir, err := server.DataDir()
		if err != nil {
			return nil, err
		}
		for _, file := range project.GlobalConfigFiles(dir, os.Getenv("XDG_CONFIG_HOME")) {
			c, err := project.LoadConfig(file)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%w\n(this is ferry's global configuration file: fix it, or skip it with --no-global-configuration)", err)
			}
			d = d.Over(c)
		}
	}
	if config.file != "" {
		c, err := project.LoadConfig(config.file)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("configuration file %s (-c) does not exist", config.file)
		}
		if err != nil {
			return nil, err
		}
		d = d.Over(c)
	}
	return d, nil
}

// applySyncDefaults gives p the settings of d that the user did not set with a flag
// of f; ignores and labels add up (the flags' labels winning).
func applySyncDefaults(f *pflag.FlagSet, p *protocol.SyncCreateParams, d *project.Defaults) {
	base := syncCreateParams(d.SyncDefaults())
	c, b := &p.Config, base.Config
	for _, k := range []struct {
		flag  string
		apply func()
	}{
		{"mode", func() { c.Mode = b.Mode }},
		{"ignore-vcs", func() { c.IgnoreVCS = b.IgnoreVCS }},
		{"symlink-mode", func() { c.SymlinkMode = b.SymlinkMode }},
		{"watch-mode", func() { c.WatchMode = b.WatchMode }},
		{"watch-polling-interval", func() { c.PollIntervalSeconds = b.PollIntervalSeconds }},
		{"max-entry-count", func() { c.MaxEntries = b.MaxEntries }},
		{"max-staging-file-size", func() { c.MaxFileSize = b.MaxFileSize }},
		{"permissions-mode", func() { c.PermissionsMode = b.PermissionsMode }},
		{"default-file-mode", func() { c.DefaultFileMode = b.DefaultFileMode }},
		{"default-directory-mode", func() { c.DefaultDirectoryMode = b.DefaultDirectoryMode }},
		{"default-owner", func() { c.DefaultOwner = b.DefaultOwner }},
		{"default-group", func() { c.DefaultGroup = b.DefaultGroup }},
	} {
		if !f.Changed(k.flag) {
			k.apply()
		}
	}
	if len(b.Ignores) > 0 {
		c.Ignores = append(append([]string(nil), b.Ignores...), c.Ignores...)
	}
	p.Labels = addLabels(base.Labels, p.Labels)
}

// applyForwardDefaults is applySyncDefaults for a forward: socketMode and
// socketOverwrite apply to a unix: source only.
func applyForwardDefaults(f *pflag.FlagSet, p *protocol.ForwardCreateParams, src forward.Address, d *project.Defaults) {
	base := forwardCreateParams(d.ForwardDefaults())
	if src.Network == "unix" {
		if !f.Changed("socket-mode") {
			p.SocketMode = base.SocketMode
		}
		if !f.Changed("socket-overwrite") {
			p.SocketOverwrite = base.SocketOverwrite
		}
	}
	p.Labels = addLabels(base.Labels, p.Labels)
}

// addLabels returns lower's labels with upper's over them (nil when both are empty).
func addLabels(lower, upper map[string]string) map[string]string {
	if len(lower) == 0 {
		return upper
	}
	out := maps.Clone(lower)
	maps.Copy(out, upper)
	return out
}

// loadProject loads the project that path designates, with the configuration files'
// defaults under its own.
func loadProject(path string) (*project.Project, error) {
	d, err := loadDefaults()
	if err != nil {
		return nil, err
	}
	return project.LoadWithDefaults(path, d)
}
