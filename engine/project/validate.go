package project

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/engine/ignore"
	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/engine/reconcile"
	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/engine/url"
)

// Parse parses and validates a project file. file names it in messages; dir is the
// project's folder, absolute with symbolic links resolved (Dir returns it): the IDs
// derive from it and relative local paths resolve against it. On any problem it
// returns an *Error listing them all.
func Parse(data []byte, file, dir string) (*Project, error) {
	return ParseWithDefaults(data, file, dir, nil)
}

// ParseWithDefaults is Parse with base (from configuration files, see LoadConfig)
// under the file's own defaults: sections; base may be nil.
func ParseWithDefaults(data []byte, file, dir string, base *Defaults) (*Project, error) {
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("project folder %q is not an absolute path", dir)
	}
	ps := &problems{file: file}
	doc, ok := decodeNodes(data, ps)
	if !ok {
		return nil, ps.err()
	}
	var top topLevel
	entries := walk(doc, ps, &top)
	sessions := slices.DeleteFunc(slices.Clone(entries), func(e *entry) bool { return e.defaults })
	if len(sessions) == 0 && len(ps.list) == 0 {
		ps.add(0, "declares no sessions; add a sync: or a forward: section (see \"Project files\" in ferry's README)")
	}
	p := &Project{Dir: dir, File: file, ID: ID(dir), Digest: Digest(data), Sync: []Sync{}, Forward: []Forward{}}
	buildHooks(p, &top, ps)
	d := base.Over(nil)
	if d == nil {
		d = &Defaults{}
	}
	for _, e := range entries {
		if e.defaults && !e.bad {
			addDefaults(p, d, e, ps)
		}
	}
	names := map[string]*entry{}
	for _, e := range sessions {
		checkName(p, e, names, ps)
		if e.bad {
			continue
		}
		switch e.section {
		case sectionSync:
			var m syncModel
			if decodeEntry(e, &m, ps) {
				inherit(e, &m, d.sync, nil)
				p.Sync = append(p.Sync, buildSync(p, e, m, ps))
			}
		case sectionForward:
			var m forwardModel
			if decodeEntry(e, &m, ps) {
				inheritForward(p, e, &m, d.forward)
				p.Forward = append(p.Forward, buildForward(p, e, m, ps))
			}
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	// The whole file once more, as yaml.v3 decodes it with unknown fields refused: it
	// must agree with the walk, which has vetted every key already.
	if _, ok := decodeModel(data, ps); !ok {
		return nil, ps.err()
	}
	return p, nil
}

// decodeEntry decodes the settings of an entry that the walk found right: known keys,
// first occurrences, values of the right kind.
func decodeEntry(e *entry, v any, ps *problems) bool {
	if e.node == nil {
		return true
	}
	good := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: e.node.Line, Column: e.node.Column}
	taken := map[string]bool{}
	for i := 0; i+1 < len(e.node.Content); i += 2 {
		k := e.node.Content[i]
		if k.Kind != yaml.ScalarNode || !e.has(k.Value) || taken[k.Value] {
			continue
		}
		taken[k.Value] = true
		good.Content = append(good.Content, k, e.node.Content[i+1])
	}
	if err := good.Decode(v); err != nil {
		ps.list = append(ps.list, yamlProblem(err.Error()))
		return false
	}
	return true
}

var entryNameRE = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?$`)

// checkName checks an entry's name, its uniqueness across sections, and the session
// name derived from it.
func checkName(p *Project, e *entry, names map[string]*entry, ps *problems) {
	if !entryNameRE.MatchString(e.name) || len(e.name) > MaxEntryName {
		ps.add(e.line, "%s %q: a session name starts with a letter, holds only letters, digits and '-', does not end with '-', and has at most %d characters",
			e.section, e.name, MaxEntryName)
		return
	}
	if other, ok := names[e.name]; ok {
		ps.add(e.line, "%s %q: the name is also used by %s %q on line %d; give each session its own name",
			e.section, e.name, other.section, other.name, other.line)
		return
	}
	names[e.name] = e
	if err := registry.ValidateName(SessionName(p.Dir, e.name)); err != nil {
		ps.add(e.line, "%s%v", e.where(), err)
	}
}

func buildSync(p *Project, e *entry, m syncModel, ps *problems) Sync {
	s := Sync{Entry: e.name, Line: e.line, Name: SessionName(p.Dir, e.name),
		Mode: m.Mode, Ignore: m.Ignore, IgnoreVCS: m.IgnoreVCS, GitIgnore: m.GitIgnore, SymlinkMode: m.SymlinkMode, WatchMode: m.WatchMode,
		WatchPollingInterval: m.WatchPollingInterval, MaxEntryCount: m.MaxEntryCount, MaxStagingFileSize: int64(m.MaxStagingFileSize),
		PermissionsMode: m.PermissionsMode, DefaultFileMode: m.DefaultFileMode, DefaultDirectoryMode: m.DefaultDirectoryMode,
		DefaultOwner: m.DefaultOwner, DefaultGroup: m.DefaultGroup}
	before := len(ps.list)
	errWrong := fmt.Errorf("reported by the walk")
	alphaRaw := "."
	if e.present("alpha") {
		alphaRaw = m.Alpha
	}
	var alpha, beta url.URL
	var aerr, berr error
	if e.present("alpha") && !e.has("alpha") {
		aerr = errWrong
	} else if alpha, aerr = url.ParseWithCwd(alphaRaw, p.Dir); aerr != nil {
		ps.add(e.lineOf("alpha"), "%salpha: %v", e.where(), aerr)
	}
	switch {
	case e.defaults:
		berr = errWrong // defaults have no endpoints
	case !e.present("beta"):
		berr = errWrong
		if e.meant["beta"] {
			break
		}
		ps.add(e.line, "%sbeta is missing: write the other side, like beta: devbox:~/project (alpha is this folder unless set)", e.where())
	case !e.has("beta"):
		berr = errWrong
	default:
		if beta, berr = url.ParseWithCwd(m.Beta, p.Dir); berr != nil {
			ps.add(e.lineOf("beta"), "%sbeta: %v", e.where(), berr)
		}
	}
	if aerr == nil && berr == nil {
		s.Alpha, s.Beta = alpha.String(), beta.String()
		var nest *session.RootsError
		if errors.As(session.CheckRoots(alpha, beta), &nest) {
			msg := nest.Error()
			if nest.BetaInAlpha && beta.IsLocal() {
				msg += fmt.Sprintf(", like beta: ../%s-copy", filepath.Base(nest.Alpha))
			}
			ps.add(e.lineOf("beta"), "%s%s", e.where(), msg)
		}
	}
	cfg := session.SyncConfig{Config: local.Config{Ignores: m.Ignore, IgnoreVCS: m.IgnoreVCS, GitIgnore: m.GitIgnore, MaxEntries: m.MaxEntryCount},
		MaxFileSize: int64(m.MaxStagingFileSize)}
	var err error
	if cfg.Mode, err = reconcile.ParseMode(m.Mode); err != nil {
		ps.add(e.lineOf("mode"), "%smode %q is not a mode; use two-way-safe (the default), two-way-resolved, one-way-safe or one-way-replica", e.where(), m.Mode)
	}
	if cfg.Symlinks, err = scan.ParseSymlinkMode(m.SymlinkMode); err != nil {
		ps.add(e.lineOf("symlinkMode"), "%ssymlinkMode %q is not a symlink mode; use portable (the default), ignore or posix-raw", e.where(), m.SymlinkMode)
	}
	cfg.Watch, cfg.PollInterval = checkWatch(e, "", m.WatchMode, m.WatchPollingInterval, ps)
	switch m.PermissionsMode {
	case "", "portable":
	case "manual":
		cfg.Permissions.Manual = true
	default:
		ps.add(e.lineOf("permissionsMode"), "%spermissionsMode %q is not a permissions mode; use portable (the default) or manual", e.where(), m.PermissionsMode)
	}
	cfg.Permissions.FileMode, cfg.Permissions.DirMode = checkModes(e, "", m.DefaultFileMode, m.DefaultDirectoryMode, ps)
	cfg.Permissions.Owner, cfg.Permissions.Group = m.DefaultOwner, m.DefaultGroup
	s.ConfigurationAlpha, cfg.Alpha = buildSide(e, "configurationAlpha", m.ConfigurationAlpha, ps)
	s.ConfigurationBeta, cfg.Beta = buildSide(e, "configurationBeta", m.ConfigurationBeta, ps)
	for i, pat := range m.Ignore {
		if _, err := ignore.Compile([]string{pat}); err != nil && i < len(e.items) {
			ps.add(e.items[i], "%signore: %v", e.where(), err)
		}
	}
	s.Labels = buildLabels(p, e, m.Labels, ps)
	// The daemon's own check of the configuration, in case it knows more than the
	// checks above.
	if len(ps.list) == before {
		if err := cfg.Validate(); err != nil {
			ps.add(e.line, "%s%v", e.where(), err)
		}
	}
	return s
}

// buildSide checks one side's own settings (key is configurationAlpha or
// configurationBeta); nil when the entry gives none.
func buildSide(e *entry, key string, m sideModel, ps *problems) (*Side, session.SideConfig) {
	var cfg session.SideConfig
	if !e.has(key) || m == (sideModel{}) {
		return nil, cfg
	}
	prefix := key + "."
	w, every := checkWatch(e, prefix, m.WatchMode, m.WatchPollingInterval, ps)
	if m.WatchMode != "" {
		cfg.Watch = &w
	}
	cfg.PollInterval = every
	cfg.FileMode, cfg.DirMode = checkModes(e, prefix, m.DefaultFileMode, m.DefaultDirectoryMode, ps)
	cfg.Owner, cfg.Group = m.DefaultOwner, m.DefaultGroup
	return &Side{WatchMode: m.WatchMode, WatchPollingInterval: m.WatchPollingInterval, DefaultFileMode: m.DefaultFileMode,
		DefaultDirectoryMode: m.DefaultDirectoryMode, DefaultOwner: m.DefaultOwner, DefaultGroup: m.DefaultGroup}, cfg
}

// checkWatch checks a watch mode and polling interval, of the session (prefix "") or
// of one side (prefix "configurationAlpha.").
func checkWatch(e *entry, prefix, mode string, interval float64, ps *problems) (local.WatchMode, time.Duration) {
	w, err := local.ParseWatchMode(mode)
	if err != nil {
		ps.add(e.lineOf(prefix+"watchMode"), "%s%swatchMode %q is not a watch mode; use portable (the default), force-poll or no-watch", e.where(), prefix, mode)
	}
	if !e.has(prefix + "watchPollingInterval") {
		return w, 0
	}
	if math.IsNaN(interval) || math.IsInf(interval, 0) || interval < 0.1 || interval > 86400 {
		ps.add(e.lineOf(prefix+"watchPollingInterval"), "%s%swatchPollingInterval is %s seconds; give 0.1 to 86400", e.where(), prefix, strconv.FormatFloat(interval, 'g', -1, 64))
		return w, 0
	}
	return w, time.Duration(interval * float64(time.Second))
}

// checkModes checks the default file and directory modes, of the session (prefix "")
// or of one side.
func checkModes(e *entry, prefix, file, dir string, ps *problems) (fileMode, dirMode fs.FileMode) {
	for _, k := range []struct {
		key, value string
		to         *fs.FileMode
	}{{"defaultFileMode", file, &fileMode}, {"defaultDirectoryMode", dir, &dirMode}} {
		if !e.has(prefix + k.key) {
			continue
		}
		mode, ok := local.ParseMode(k.value)
		if !ok {
			ps.add(e.lineOf(prefix+k.key), "%s%s%s %q is not a permission mode; write octal bits such as \"0644\"", e.where(), prefix, k.key, k.value)
			continue
		}
		*k.to = mode
	}
	return fileMode, dirMode
}

func buildForward(p *Project, e *entry, m forwardModel, ps *problems) Forward {
	f := Forward{Entry: e.name, Line: e.line, Name: SessionName(p.Dir, e.name), SocketOverwrite: m.SocketOverwrite}
	address := func(key, raw, example string) (forward.Address, bool) {
		if e.defaults {
			return forward.Address{}, false // defaults have no endpoints
		}
		if !e.present(key) {
			if !e.meant[key] {
				ps.add(e.line, "%s%s is missing: %s", e.where(), key, example)
			}
			return forward.Address{}, false
		}
		if !e.has(key) {
			return forward.Address{}, false
		}
		a, err := forward.ParseAddress(raw, p.Dir)
		if err != nil {
			ps.add(e.lineOf(key), "%s%s: %v", e.where(), key, err)
			return forward.Address{}, false
		}
		return a, true
	}
	src, srcOK := address("source", m.Source, "write where to listen, like source: tcp:localhost:8080")
	dst, dstOK := address("destination", m.Destination, "write where connections go, like destination: devbox:tcp:localhost:3000")
	if srcOK {
		f.Source = src.String()
	}
	if dstOK {
		f.Destination = dst.String()
	}
	if e.has("socketMode") {
		if _, ok := local.ParseMode(m.SocketMode); !ok {
			ps.add(e.lineOf("socketMode"), "%ssocketMode %q is not a permission mode; write octal bits such as \"0600\"", e.where(), m.SocketMode)
		}
		f.SocketMode = m.SocketMode
	}
	for _, key := range []string{"socketMode", "socketOverwrite"} {
		if e.has(key) && srcOK && src.Network != "unix" {
			ps.add(e.lineOf(key), "%s%s applies only to a unix: source, and the source is %s", e.where(), key, f.Source)
		}
	}
	f.Labels = buildLabels(p, e, m.Labels, ps)
	return f
}

// buildLabels checks the file's labels of an entry and adds the project's.
func buildLabels(p *Project, e *entry, in map[string]string, ps *problems) map[string]string {
	out := make(map[string]string, len(in)+2)
	for k, v := range in {
		line := e.labels[k]
		if line == 0 {
			line = e.lineOf("labels")
		}
		if k == LabelProject || strings.HasPrefix(k, LabelProject+"-") {
			ps.add(line, "%slabels: %s is set by ferry on every session of the project; choose another key", e.where(), k)
			continue
		}
		if err := registry.ValidateLabels(map[string]string{k: v}); err != nil {
			ps.add(line, "%slabels: %v", e.where(), err)
			continue
		}
		out[k] = v
	}
	out[LabelProject] = p.ID
	out[LabelDigest] = p.Digest
	return out
}
