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

var configFiles configOptions

func addConfigFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVarP(&configFiles.file, "config", "c", "", "also read session defaults from this configuration file (after the global one)")
	f.BoolVar(&configFiles.noGlobal, "no-global-configuration", false, "skip the global configuration file (~/.ferry/config.yml)")
}

// loadDefaults reads the configuration files that apply (nil when there are none).
func loadDefaults() (*project.Defaults, error) {
	var d *project.Defaults
	if !configFiles.noGlobal {
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
	if configFiles.file != "" {
		c, err := project.LoadConfig(configFiles.file)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("configuration file %s (-c) does not exist", configFiles.file)
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
		{"ignore-vcs", func() {
			if !f.Changed("no-ignore-vcs") {
				c.IgnoreVCS = b.IgnoreVCS
			}
		}},
		{"gitignore", func() { c.GitIgnore = b.GitIgnore }},
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
	c.Alpha = applySideDefaults(f, "alpha", c.Alpha, b.Alpha)
	c.Beta = applySideDefaults(f, "beta", c.Beta, b.Beta)
	p.Labels = addLabels(base.Labels, p.Labels)
}

// applySideDefaults puts a default side's settings under the ones its side's flags
// (--watch-mode-alpha, ...) set.
func applySideDefaults(f *pflag.FlagSet, side string, c, b *protocol.SideConfig) *protocol.SideConfig {
	if b == nil {
		return c
	}
	out := *b
	if c != nil {
		for _, k := range []struct {
			flag  string
			apply func()
		}{
			{"watch-mode", func() { out.WatchMode = c.WatchMode }},
			{"watch-polling-interval", func() { out.PollIntervalSeconds = c.PollIntervalSeconds }},
			{"default-file-mode", func() { out.DefaultFileMode = c.DefaultFileMode }},
			{"default-directory-mode", func() { out.DefaultDirectoryMode = c.DefaultDirectoryMode }},
			{"default-owner", func() { out.DefaultOwner = c.DefaultOwner }},
			{"default-group", func() { out.DefaultGroup = c.DefaultGroup }},
		} {
			if f.Changed(k.flag + "-" + side) {
				k.apply()
			}
		}
	}
	return &out
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
