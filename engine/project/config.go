package project

import (
	"path/filepath"
)

// ConfigFileName is the name of ferry's global configuration file, in the data
// directory (~/.ferry/config.yml) and in $XDG_CONFIG_HOME/ferry.
const ConfigFileName = "config.yml"

// GlobalConfigFiles returns the global configuration files that apply, in order,
// given the data directory and the environment: $XDG_CONFIG_HOME/ferry/config.yml
// (when XDG_CONFIG_HOME is set) then DATADIR/config.yml. Either may not exist.
func GlobalConfigFiles(dataDir, xdgConfigHome string) []string {
	var out []string
	if xdgConfigHome != "" {
		out = append(out, filepath.Join(xdgConfigHome, "ferry", ConfigFileName))
	}
	return append(out, filepath.Join(dataDir, ConfigFileName))
}

// LoadConfig reads the configuration file at path: a sync: and a forward: section
// that each hold only defaults: settings, written as in a project file. A missing
// file is an error that errors.Is fs.ErrNotExist.
func LoadConfig(path string) (*Defaults, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	data, err := readFile(abs)
	if err != nil {
		return nil, err
	}
	return ParseConfig(data, abs)
}

// ParseConfig parses and validates a configuration file; file names it in messages.
// On any problem it returns an *Error listing them all.
func ParseConfig(data []byte, file string) (*Defaults, error) {
	ps := &problems{file: file}
	doc, ok := decodeNodes(data, ps)
	if !ok {
		return nil, ps.err()
	}
	var top topLevel
	entries := walk(doc, ps, &top)
	for _, k := range hookKeys {
		if v := top.nodes[k]; v != nil {
			ps.add(v.Line, "%s belongs in a project's %s; a configuration file holds only sync: and forward: defaults:", k, FileName)
		}
	}
	// The checks of a defaults: section need a project; this one has no folder
	// (defaults hold no paths) and none of its labels is kept.
	p := &Project{Dir: string(filepath.Separator), File: file}
	d := &Defaults{Files: []string{file}}
	for _, e := range entries {
		switch {
		case !e.defaults:
			ps.add(e.line, "%s %q: a configuration file declares no sessions, only %s: %s: settings; declare sessions in a project's %s",
				e.section, e.name, e.section, DefaultsKey, FileName)
		case !e.bad:
			addDefaults(p, d, e, ps)
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	if _, ok := decodeModel(data, ps); !ok {
		return nil, ps.err()
	}
	// Lines mean nothing outside this file.
	return d.Over(nil), nil
}

// SyncDefaults returns the sync settings of d as a Sync without endpoints, name or
// project labels (the zero Sync when d is nil).
func (d *Defaults) SyncDefaults() Sync {
	if d == nil {
		return Sync{}
	}
	e := d.sync.entry(sectionSync)
	s := buildSync(&Project{Dir: string(filepath.Separator)}, e, d.sync.model, &problems{})
	s.Entry, s.Line, s.Name, s.Alpha, s.Beta = "", 0, "", "", ""
	s.Labels = d.sync.model.Labels
	return s
}

// ForwardDefaults returns the forward settings of d as a Forward without endpoints,
// name or project labels (the zero Forward when d is nil).
func (d *Defaults) ForwardDefaults() Forward {
	if d == nil {
		return Forward{}
	}
	e := d.forward.entry(sectionForward)
	f := buildForward(&Project{Dir: string(filepath.Separator)}, e, d.forward.model, &problems{})
	f.Entry, f.Line, f.Name = "", 0, ""
	f.Labels = d.forward.model.Labels
	return f
}

// entry makes the defaults: entry that l would have been read from.
func (l layer[M]) entry(section string) *entry {
	e := &entry{section: section, name: DefaultsKey, defaults: true, keys: map[string]int{}, labels: map[string]int{},
		badKeys: map[string]bool{}, meant: map[string]bool{}}
	for k := range l.lines {
		e.keys[k] = 0
	}
	return e
}
