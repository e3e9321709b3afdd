package project

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ferrysync/ferry/engine/bytesize"
)

// The file's schema, as yaml.v3 decodes it (with KnownFields). The walk over the node
// tree (below) checks the same schema first, to report every problem with its line
// and in words; keyTables must name exactly these fields (a test checks it).
type fileModel struct {
	Sync            map[string]syncModel    `yaml:"sync"`
	Forward         map[string]forwardModel `yaml:"forward"`
	BeforeCreate    []string                `yaml:"beforeCreate"`
	AfterCreate     []string                `yaml:"afterCreate"`
	BeforeTerminate []string                `yaml:"beforeTerminate"`
	AfterTerminate  []string                `yaml:"afterTerminate"`
	FlushOnCreate   bool                    `yaml:"flushOnCreate"`
	Commands        map[string]string       `yaml:"commands"`
}

type syncModel struct {
	Alpha                string            `yaml:"alpha"`
	Beta                 string            `yaml:"beta"`
	Mode                 string            `yaml:"mode"`
	Ignore               []string          `yaml:"ignore"`
	IgnoreVCS            bool              `yaml:"ignoreVCS"`
	GitIgnore            bool              `yaml:"gitignore"`
	SymlinkMode          string            `yaml:"symlinkMode"`
	WatchMode            string            `yaml:"watchMode"`
	WatchPollingInterval float64           `yaml:"watchPollingInterval"`
	MaxEntryCount        uint64            `yaml:"maxEntryCount"`
	MaxStagingFileSize   bytesize.Size     `yaml:"maxStagingFileSize"`
	PermissionsMode      string            `yaml:"permissionsMode"`
	DefaultFileMode      string            `yaml:"defaultFileMode"`
	DefaultDirectoryMode string            `yaml:"defaultDirectoryMode"`
	DefaultOwner         string            `yaml:"defaultOwner"`
	DefaultGroup         string            `yaml:"defaultGroup"`
	ConfigurationAlpha   sideModel         `yaml:"configurationAlpha"`
	ConfigurationBeta    sideModel         `yaml:"configurationBeta"`
	Labels               map[string]string `yaml:"labels"`
}

// sideModel is one side's own settings in a sync entry (sideKeys names its fields).
type sideModel struct {
	WatchMode            string  `yaml:"watchMode"`
	WatchPollingInterval float64 `yaml:"watchPollingInterval"`
	DefaultFileMode      string  `yaml:"defaultFileMode"`
	DefaultDirectoryMode string  `yaml:"defaultDirectoryMode"`
	DefaultOwner         string  `yaml:"defaultOwner"`
	DefaultGroup         string  `yaml:"defaultGroup"`
}

type forwardModel struct {
	Source          string            `yaml:"source"`
	Destination     string            `yaml:"destination"`
	SocketMode      string            `yaml:"socketMode"`
	SocketOverwrite bool              `yaml:"socketOverwrite"`
	Labels          map[string]string `yaml:"labels"`
}

// kind is what a key's value must be.
type kind int

const (
	kindText     kind = iota // a scalar, taken as written; not null, not empty
	kindBool                 // true or false
	kindNumber               // an integer or a decimal number
	kindCount                // an integer, 0 or more
	kindSize                 // a number of bytes, or a size with a unit (100MB)
	kindSide                 // a mapping of sideKeys
	kindPatterns             // a list of scalars
	kindLabels               // a mapping of scalars to scalars
)

type keySpec struct {
	name string
	kind kind
}

// Sections and their keys, in the order messages list them.
const (
	sectionSync    = "sync"
	sectionForward = "forward"
)

var (
	topKeys   = append([]string{sectionSync, sectionForward}, hookKeys...)
	keyTables = map[string][]keySpec{
		sectionSync: {
			{"alpha", kindText}, {"beta", kindText}, {"mode", kindText}, {"ignore", kindPatterns},
			{"ignoreVCS", kindBool}, {"gitignore", kindBool}, {"symlinkMode", kindText}, {"watchMode", kindText},
			{"watchPollingInterval", kindNumber}, {"maxEntryCount", kindCount},
			{"maxStagingFileSize", kindSize}, {"permissionsMode", kindText}, {"defaultFileMode", kindText},
			{"defaultDirectoryMode", kindText}, {"defaultOwner", kindText}, {"defaultGroup", kindText},
			{"configurationAlpha", kindSide}, {"configurationBeta", kindSide}, {"labels", kindLabels},
		},
		sectionForward: {
			{"source", kindText}, {"destination", kindText}, {"socketMode", kindText},
			{"socketOverwrite", kindBool}, {"labels", kindLabels},
		},
	}
	// sideKeys are the keys of a sync entry's configurationAlpha and configurationBeta.
	sideKeys = []keySpec{
		{"watchMode", kindText}, {"watchPollingInterval", kindNumber}, {"defaultFileMode", kindText},
		{"defaultDirectoryMode", kindText}, {"defaultOwner", kindText}, {"defaultGroup", kindText},
	}
)

// entry is where an entry's parts are in the file.
type entry struct {
	section string
	name    string
	line    int
	// defaults is set for the section's defaults: settings, which are no session.
	defaults bool
	// keys maps each key present to the line of its value.
	keys map[string]int
	// items are the lines of the elements of "ignore", in order; labels the lines of
	// the label keys.
	items  []int
	labels map[string]int
	// node is the entry's settings (nil when empty); bad is set when they are not a
	// mapping, badKeys holds the keys whose values the walk found wrong: the
	// validation leaves those alone rather than pile more problems on them.
	node    *yaml.Node
	bad     bool
	badKeys map[string]bool
	// meant are known keys that an unknown key was taken for ("did you mean"), so a
	// missing one is not reported twice.
	meant map[string]bool
}

// has reports whether key is present with a value of the right kind.
func (e *entry) has(key string) bool {
	_, ok := e.keys[key]
	return ok && !e.badKeys[key]
}

// present reports whether key is present at all.
func (e *entry) present(key string) bool {
	_, ok := e.keys[key]
	return ok
}

func (e *entry) where() string {
	if e.defaults {
		return e.section + " " + DefaultsKey + ": "
	}
	return e.section + " " + strconv.Quote(e.name) + ": "
}

// lineOf returns the line of key's value, or of the entry when key is absent.
func (e *entry) lineOf(key string) int {
	if l, ok := e.keys[key]; ok {
		return l
	}
	return e.line
}

// walk checks the node tree against the schema and returns the entries in file order.
func walk(doc *yaml.Node, ps *problems, top *topLevel) []*entry {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	doc = deref(doc)
	if doc.Kind == 0 || isNull(doc) {
		return nil
	}
	if doc.Kind != yaml.MappingNode {
		ps.add(doc.Line, "a project file is a mapping with a sync: and a forward: section, not %s", describe(doc))
		return nil
	}
	var entries []*entry
	seen := map[string]int{}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], deref(doc.Content[i+1])
		if !checkKey(k, "", topKeys, seen, ps) {
			continue
		}
		if isNull(v) {
			continue
		}
		if contains(hookKeys, k.Value) {
			top.add(k.Value, v)
			continue
		}
		if v.Kind != yaml.MappingNode {
			ps.add(v.Line, "%s must map session names to their settings, not be %s", k.Value, describe(v))
			continue
		}
		entries = append(entries, walkSection(k.Value, v, ps)...)
	}
	return entries
}

func walkSection(section string, m *yaml.Node, ps *problems) []*entry {
	var out []*entry
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], deref(m.Content[i+1])
		if k.Kind != yaml.ScalarNode || isNull(k) {
			ps.add(k.Line, "%s: a session name must be a plain word, not %s", section, describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			ps.add(k.Line, "%s %q is declared twice (first on line %d); give each session its own name", section, k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		e := &entry{section: section, name: k.Value, line: k.Line, keys: map[string]int{}, labels: map[string]int{},
			badKeys: map[string]bool{}, meant: map[string]bool{}, defaults: k.Value == DefaultsKey}
		out = append(out, e)
		switch {
		case isNull(v):
			// Required keys are reported as missing by the validation.
		case v.Kind != yaml.MappingNode:
			ps.add(v.Line, "%ssettings must be a mapping (key: value lines), not %s", e.where(), describe(v))
			e.bad = true
		default:
			e.node = v
			walkEntry(e, v, ps)
		}
	}
	return out
}

func walkEntry(e *entry, m *yaml.Node, ps *problems) {
	specs := e.specs()
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], deref(m.Content[i+1])
		if e.defaults && k.Kind == yaml.ScalarNode && contains(endpointKeys[e.section], k.Value) {
			ps.add(k.Line, "%s%s cannot have a default: each entry sets its own (%s: holds settings for every entry, and is no session)", e.where(), k.Value, DefaultsKey)
			continue
		}
		if !checkKey(k, e.where(), names, seen, ps) {
			if k.Kind == yaml.ScalarNode {
				e.meant[closest(k.Value, names)] = true
			}
			continue
		}
		e.keys[k.Value] = v.Line
		before := len(ps.list)
		for _, s := range specs {
			if s.name == k.Value {
				checkValue(e, s, v, ps)
			}
		}
		if len(ps.list) > before {
			e.badKeys[k.Value] = true
		}
	}
}

// checkKey reports an unknown or repeated key of a mapping; ok is false for those.
func checkKey(k *yaml.Node, where string, known []string, seen map[string]int, ps *problems) bool {
	if k.Kind != yaml.ScalarNode {
		ps.add(k.Line, "%sa key must be a plain word, not %s", where, describe(k))
		return false
	}
	if k.Value == "<<" && k.Tag == "!!merge" {
		ps.add(k.Line, "%smerge keys (<<) are not supported; write the settings in each entry", where)
		return false
	}
	if !contains(known, k.Value) {
		ps.add(k.Line, "%s", unknownKey(where, k.Value, known))
		return false
	}
	if first, dup := seen[k.Value]; dup {
		ps.add(k.Line, "%s%s is set twice (first on line %d)", where, k.Value, first)
		return false
	}
	seen[k.Value] = k.Line
	return true
}

func checkValue(e *entry, s keySpec, v *yaml.Node, ps *problems) {
	at := e.where() + s.name
	switch s.kind {
	case kindText:
		switch {
		case isNull(v) && v.Value == "~":
			ps.add(v.Line, "%s is ~, which YAML reads as null; quote it (\"~\") to mean a home folder", at)
		case isNull(v):
			ps.add(v.Line, "%s is empty", at)
		case !isText(v):
			ps.add(v.Line, "%s must be a string, not %s", at, describe(v))
		case strings.TrimSpace(v.Value) == "":
			ps.add(v.Line, "%s is empty", at)
		}
	case kindBool:
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
			ps.add(v.Line, "%s must be true or false, not %s", at, describe(v))
		}
	case kindNumber:
		if v.Kind != yaml.ScalarNode || (v.ShortTag() != "!!int" && v.ShortTag() != "!!float") {
			ps.add(v.Line, "%s must be a number of seconds, not %s", at, describe(v))
		}
	case kindCount:
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || strings.HasPrefix(v.Value, "-") {
			ps.add(v.Line, "%s must be a whole number, 0 or more (0: no limit), not %s", at, describe(v))
		}
	case kindSize:
		if !isText(v) || isNull(v) {
			ps.add(v.Line, "%s must be a size, like 100MB, 1.5GiB or a number of bytes, not %s", at, describe(v))
		} else if _, err := bytesize.Parse(v.Value); err != nil {
			ps.add(v.Line, "%s: %v", at, err)
		}
	case kindSide:
		if v.Kind != yaml.MappingNode {
			ps.add(v.Line, "%s must be a mapping of that side's settings, like {watchMode: force-poll}, not %s", at, describe(v))
			return
		}
		walkSide(e, s.name, v, ps)
	case kindPatterns:
		if v.Kind != yaml.SequenceNode {
			ps.add(v.Line, "%s must be a list of patterns, like [node_modules/, \"*.o\"], not %s", at, describe(v))
			return
		}
		for _, item := range v.Content {
			item = deref(item)
			e.items = append(e.items, item.Line)
			if !isText(item) || strings.TrimSpace(item.Value) == "" {
				ps.add(item.Line, "%s: each pattern must be a non-empty string, not %s", at, describe(item))
			}
		}
	case kindLabels:
		if v.Kind != yaml.MappingNode {
			ps.add(v.Line, "%s must be a mapping of label keys to values, like {env: dev}, not %s", at, describe(v))
			return
		}
		for i := 0; i+1 < len(v.Content); i += 2 {
			lk, lv := v.Content[i], deref(v.Content[i+1])
			if !isText(lk) {
				ps.add(lk.Line, "%s: a label key must be a string, not %s", at, describe(lk))
				continue
			}
			if _, dup := e.labels[lk.Value]; dup {
				ps.add(lk.Line, "%s: label %s is set twice", at, lk.Value)
				continue
			}
			e.labels[lk.Value] = lk.Line
			if !isText(lv) && !isNull(lv) {
				ps.add(lv.Line, "%s: the value of label %s must be a string, not %s", at, lk.Value, describe(lv))
			}
		}
	}
}

// walkSide checks the keys of a side's settings (key is configurationAlpha or
// configurationBeta); each is known to the entry as key.name, for its line.
func walkSide(e *entry, key string, m *yaml.Node, ps *problems) {
	names := make([]string, len(sideKeys))
	for i, s := range sideKeys {
		names[i] = s.name
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], deref(m.Content[i+1])
		if !checkKey(k, e.where()+key+": ", names, seen, ps) {
			continue
		}
		e.keys[key+"."+k.Value] = v.Line
		for _, s := range sideKeys {
			if s.name == k.Value {
				checkValue(e, keySpec{name: key + "." + s.name, kind: s.kind}, v, ps)
			}
		}
	}
}

// deref follows an alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// isText reports whether n is a scalar that reads as text: a string, or a number or
// boolean taken as written.
func isText(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	switch n.ShortTag() {
	case "!!str", "!!int", "!!float", "!!bool":
		return true
	}
	return false
}

// describe names what a node is, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "empty (null)"
		}
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return strconv.Quote(v)
	}
	return "that"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlProblem turns a yaml.v3 error message into a problem at its line.
func yamlProblem(msg string) Problem {
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{Line: line, Message: "invalid YAML: " + m[2]}
	}
	return Problem{Message: "invalid YAML: " + msg}
}

// decodeNodes reads the file's one YAML document as a node tree.
func decodeNodes(data []byte, ps *problems) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		p := yamlProblem(err.Error())
		if p.Line == 0 {
			p.Line = firstBadLine(data, err.Error())
		}
		ps.list = append(ps.list, p)
		return nil, false
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		line := more.Line
		if err != nil {
			ps.list = append(ps.list, yamlProblem(err.Error()))
			return nil, false
		}
		ps.add(line, "a project file holds one YAML document; remove the second one (after ---)")
		return nil, false
	}
	return &doc, true
}

// decodeModel decodes the file into the schema with unknown fields refused; the walk
// has already vetted the tree, so a problem here is reported as yaml.v3 words it.
func decodeModel(data []byte, ps *problems) (fileModel, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f fileModel
	err := dec.Decode(&f)
	if err == nil || errors.Is(err, io.EOF) {
		return f, true
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, m := range te.Errors {
			ps.list = append(ps.list, yamlProblem(m))
		}
	} else {
		ps.list = append(ps.list, yamlProblem(err.Error()))
	}
	return f, false
}

// firstBadLine finds the line of a syntax error that yaml.v3 reports without one: the
// first line whose prefix of the file fails with the same message (0 if none does, or
// the file is too long to look).
func firstBadLine(data []byte, msg string) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > 2000 {
		return 0
	}
	var prefix []byte
	for i, l := range lines {
		prefix = append(prefix, l...)
		var n yaml.Node
		if err := yaml.Unmarshal(prefix, &n); err != nil && err.Error() == msg {
			return i + 1
		}
	}
	return 0
}
