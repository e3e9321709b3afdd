package project

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Hooks and commands: top-level keys of a project file besides its sections. The
// commands are shell commands (run by the CLI with sh -c in the project's folder);
// Parse checks only that they are there and non-empty.
const (
	keyBeforeCreate    = "beforeCreate"
	keyAfterCreate     = "afterCreate"
	keyBeforeTerminate = "beforeTerminate"
	keyAfterTerminate  = "afterTerminate"
	keyFlushOnCreate   = "flushOnCreate"
	keyCommands        = "commands"
)

// hookKeys are the top-level keys that are not sections, in the order of fileModel.
var hookKeys = []string{keyBeforeCreate, keyAfterCreate, keyBeforeTerminate, keyAfterTerminate, keyFlushOnCreate, keyCommands}

// Hooks are the commands a project runs around its start and stop.
type Hooks struct {
	// BeforeCreate run before the sessions are created; AfterCreate after (and after
	// the flush of FlushOnCreate). A failing one stops the start.
	BeforeCreate []Command `json:"beforeCreate,omitempty"`
	AfterCreate  []Command `json:"afterCreate,omitempty"`
	// BeforeTerminate run before a stop terminates the sessions, AfterTerminate after.
	BeforeTerminate []Command `json:"beforeTerminate,omitempty"`
	AfterTerminate  []Command `json:"afterTerminate,omitempty"`
	// FlushOnCreate has a start flush the sync sessions, and wait, once created.
	FlushOnCreate bool `json:"flushOnCreate,omitempty"`
}

// Command is a shell command of a project file and where it is.
type Command struct {
	Line  int    `json:"line"`
	Shell string `json:"shell"`
}

// topLevel holds the hook keys' values as the walk found them.
type topLevel struct {
	nodes map[string]*yaml.Node
}

func (t *topLevel) add(key string, v *yaml.Node) {
	if t.nodes == nil {
		t.nodes = map[string]*yaml.Node{}
	}
	t.nodes[key] = v
}

// buildHooks checks the hook keys and sets them in p.
func buildHooks(p *Project, t *topLevel, ps *problems) {
	lists := []struct {
		key string
		to  *[]Command
	}{{keyBeforeCreate, &p.Hooks.BeforeCreate}, {keyAfterCreate, &p.Hooks.AfterCreate},
		{keyBeforeTerminate, &p.Hooks.BeforeTerminate}, {keyAfterTerminate, &p.Hooks.AfterTerminate}}
	for _, l := range lists {
		v := t.nodes[l.key]
		if v == nil {
			continue
		}
		if v.Kind != yaml.SequenceNode {
			ps.add(v.Line, "%s must be a list of shell commands, like [\"make deps\"], not %s", l.key, describe(v))
			continue
		}
		for _, item := range v.Content {
			item = deref(item)
			if !isText(item) || strings.TrimSpace(item.Value) == "" {
				ps.add(item.Line, "%s: each command must be a non-empty string, not %s", l.key, describe(item))
				continue
			}
			*l.to = append(*l.to, Command{Line: item.Line, Shell: item.Value})
		}
	}
	if v := t.nodes[keyFlushOnCreate]; v != nil {
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
			ps.add(v.Line, "%s must be true or false, not %s", keyFlushOnCreate, describe(v))
		} else {
			var flush bool
			_ = v.Decode(&flush) // a !!bool decodes
			p.Hooks.FlushOnCreate = flush
		}
	}
	v := t.nodes[keyCommands]
	if v == nil {
		return
	}
	if v.Kind != yaml.MappingNode {
		ps.add(v.Line, "%s must map command names to shell commands, like {test: \"go test ./...\"}, not %s", keyCommands, describe(v))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, c := v.Content[i], deref(v.Content[i+1])
		if !isText(k) || !entryNameRE.MatchString(k.Value) {
			ps.add(k.Line, "%s: a command name starts with a letter and holds only letters, digits and '-', not %s", keyCommands, describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			ps.add(k.Line, "%s: %s is declared twice (first on line %d)", keyCommands, k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		if !isText(c) || strings.TrimSpace(c.Value) == "" {
			ps.add(c.Line, "%s: %s must be a non-empty shell command, not %s", keyCommands, k.Value, describe(c))
			continue
		}
		if p.Commands == nil {
			p.Commands = map[string]Command{}
		}
		p.Commands[k.Value] = Command{Line: c.Line, Shell: c.Value}
	}
}

// CommandNames returns the names of p's commands, sorted.
func (p *Project) CommandNames() []string {
	var out []string
	for n := range p.Commands {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
