package project

import (
	"encoding/json"
	"fmt"
	"slices"
)

// JSON Schemas of project files and configuration files, for editors (the YAML
// language server reads them), derived from the same key tables the walk checks: a
// key ferry accepts is in the schema, with its kind. Text takes a number or a
// boolean as written, as the parser does; an empty section or defaults: is null.

// keyDocs describe every key, as the schemas show them; a test checks that every key
// of the tables has one.
var keyDocs = map[string]string{
	"alpha":                "One side of the session: a local path (relative to the project's folder; default: the folder), [user@]host[:port]:path, or docker://[user@]container/path (podman:// too).",
	"beta":                 "The other side: a local path (relative to the project's folder), [user@]host[:port]:path, like devbox:~/project, or docker://[user@]container/path (podman:// too).",
	"mode":                 "How changes flow: two-way-safe (the default; edits on both sides are conflicts), two-way-resolved (alpha wins), one-way-safe or one-way-replica (alpha to beta).",
	"ignore":               "Paths not synchronized, as gitignore-style patterns; defaults' patterns come first, an entry's are added to them.",
	"ignoreVCS":            "Also ignore version-control directories (.git, .hg, .svn, ...).",
	"symlinkMode":          "What happens to symbolic links: portable (the default), ignore or posix-raw.",
	"watchMode":            "How changes are noticed: portable (the default: watch natively), force-poll or no-watch.",
	"watchPollingInterval": "Seconds between polls when polling (0.1 to 86400; default 10).",
	"maxEntryCount":        "Refuse roots with more entries than this (0: no limit).",
	"maxStagingFileSize":   "Do not transfer larger files: a number of bytes or a size with a unit, like 100MB or 1.5GiB (0: no limit).",
	"gitignore":            "Also ignore what the tree's .gitignore files and each repository's .git/info/exclude ignore, as git does.",
	"configurationAlpha":   "Settings of alpha's side only, over the entry's: watchMode, watchPollingInterval, defaultFileMode, defaultDirectoryMode, defaultOwner, defaultGroup. Set by an entry, it replaces the defaults' block as a whole.",
	"configurationBeta":    "Settings of beta's side only, over the entry's, written like configurationAlpha.",
	"permissionsMode":      "portable (the default: the executable bit is synchronized) or manual (no permission bits are).",
	"defaultFileMode":      "Octal mode of files sync creates, like \"0644\".",
	"defaultDirectoryMode": "Octal mode of directories sync creates, like \"0755\".",
	"defaultOwner":         "User that owns what sync creates, on each side (a name or id that exists there).",
	"defaultGroup":         "Group that owns what sync creates, on each side (a name or id that exists there).",
	"labels":               "Labels of the session (key: value); defaults' labels are added to an entry's, the entry's value winning.",
	"source":               "Where to listen: tcp:HOST:PORT, tcp4:, tcp6:[ADDR]:PORT or unix:PATH, optionally after an SSH host (host:).",
	"destination":          "Where each connection goes, written like source, like devbox:tcp:localhost:3000.",
	"socketMode":           "Permissions of a unix: listener's socket, in octal (default \"0600\"). From defaults, applies to unix: sources only.",
	"socketOverwrite":      "Replace a stale file at a unix: listener's path. From defaults, applies to unix: sources only.",
	keyBeforeCreate:        "Shell commands run (sh -c, in the project's folder) before project start creates the sessions; a failing one stops the start.",
	keyAfterCreate:         "Shell commands run after project start created the sessions (and flushed them, with flushOnCreate); a failing one stops the start, with the sessions left running.",
	keyBeforeTerminate:     "Shell commands run before project stop terminates the sessions.",
	keyAfterTerminate:      "Shell commands run after project stop terminated the sessions.",
	keyFlushOnCreate:       "Have project start run a synchronization cycle of every sync session, and wait for it, once they are created.",
	keyCommands:            "Named shell commands, run in the project's folder with ferry project run NAME.",
}

// keyEnums are the values of the keys that take one of a few words; a test checks
// them against the engine's parsers.
var keyEnums = map[string][]string{
	"mode":            {"two-way-safe", "two-way-resolved", "one-way-safe", "one-way-replica"},
	"symlinkMode":     {"portable", "ignore", "posix-raw"},
	"watchMode":       {"portable", "force-poll", "no-watch"},
	"permissionsMode": {"portable", "manual"},
}

// SchemaURL is where the schemas are published, as their $id and the README's
// yaml-language-server lines give it.
const SchemaURL = "https://raw.githubusercontent.com/ferrysync/ferry/main/docs/"

// Schema file names, in docs/.
const (
	ProjectSchemaFile = "ferry.schema.json"
	ConfigSchemaFile  = "config.schema.json"
)

// ProjectSchema returns the JSON Schema of a project file; comment (the generator's
// stamp) is its $comment.
func ProjectSchema(comment string) ([]byte, error) {
	top := map[string]any{
		sectionSync:    sectionSchema(sectionSync, true),
		sectionForward: sectionSchema(sectionForward, true),
	}
	for _, k := range hookKeys {
		switch k {
		case keyFlushOnCreate:
			top[k] = described(k, map[string]any{"type": "boolean"})
		case keyCommands:
			top[k] = described(k, map[string]any{"type": "object", "propertyNames": map[string]any{"pattern": entryNameRE.String()},
				"additionalProperties": map[string]any{"type": textTypes, "minLength": 1}})
		default:
			top[k] = described(k, map[string]any{"type": []string{"array", "null"}, "items": map[string]any{"type": textTypes, "minLength": 1}})
		}
	}
	return render(comment, ProjectSchemaFile, "ferry project file (ferry.yml)", top, map[string]any{
		"syncEntry":       entrySchema(sectionSync, false),
		"syncDefaults":    entrySchema(sectionSync, true),
		"forwardEntry":    entrySchema(sectionForward, false),
		"forwardDefaults": entrySchema(sectionForward, true),
	})
}

// ConfigSchema returns the JSON Schema of a configuration file (~/.ferry/config.yml).
func ConfigSchema(comment string) ([]byte, error) {
	top := map[string]any{
		sectionSync:    sectionSchema(sectionSync, false),
		sectionForward: sectionSchema(sectionForward, false),
	}
	return render(comment, ConfigSchemaFile, "ferry configuration file (~/.ferry/config.yml)", top, map[string]any{
		"syncDefaults":    entrySchema(sectionSync, true),
		"forwardDefaults": entrySchema(sectionForward, true),
	})
}

func render(comment, file, title string, properties, defs map[string]any) ([]byte, error) {
	s := map[string]any{
		"$comment":             comment,
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  SchemaURL + file,
		"title":                title,
		"type":                 "object",
		"properties":           properties,
		"additionalProperties": false,
		"$defs":                defs,
	}
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// sectionSchema is a sync: or forward: section: its defaults: and, in a project
// file, its entries by name.
func sectionSchema(section string, entries bool) map[string]any {
	s := map[string]any{
		"type": []string{"object", "null"},
		"properties": map[string]any{DefaultsKey: map[string]any{"anyOf": []any{
			map[string]any{"type": "null"}, map[string]any{"$ref": "#/$defs/" + section + "Defaults"}}}},
	}
	if entries {
		s["description"] = fmt.Sprintf("The %s sessions of the project, by name; %s: holds settings for every entry that does not set them.", section, DefaultsKey)
		s["propertyNames"] = map[string]any{"pattern": entryNameRE.String(), "maxLength": MaxEntryName}
		s["additionalProperties"] = map[string]any{"$ref": "#/$defs/" + section + "Entry"}
	} else {
		s["description"] = fmt.Sprintf("Defaults for every %s session ferry creates, under a project's own.", section)
		s["additionalProperties"] = false
	}
	return s
}

// entrySchema is an entry of section, or its defaults: (no endpoints).
func entrySchema(section string, defaults bool) map[string]any {
	e := &entry{section: section, defaults: defaults}
	props := map[string]any{}
	for _, k := range e.specs() {
		props[k.name] = described(k.name, kindSchema(k))
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if !defaults {
		s["required"] = slices.DeleteFunc(slices.Clone(endpointKeys[section]), func(k string) bool { return k == "alpha" })
	}
	return s
}

func kindSchema(k keySpec) map[string]any {
	switch k.kind {
	case kindBool:
		return map[string]any{"type": "boolean"}
	case kindNumber:
		return map[string]any{"type": "number", "minimum": 0.1, "maximum": 86400}
	case kindCount:
		return map[string]any{"type": "integer", "minimum": 0}
	case kindPatterns:
		return map[string]any{"type": "array", "items": map[string]any{"type": textTypes, "minLength": 1}}
	case kindSize:
		return map[string]any{"anyOf": []any{
			map[string]any{"type": "integer", "minimum": 0},
			map[string]any{"type": "string", "pattern": `^\s*[0-9]+(\.[0-9]+)?\s*([kKmMgGtTpPeE][iI]?)?[bB]?\s*$`},
		}}
	case kindSide:
		props := map[string]any{}
		for _, sk := range sideKeys {
			props[sk.name] = described(sk.name, kindSchema(sk))
		}
		return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	case kindLabels:
		return map[string]any{"type": "object", "additionalProperties": map[string]any{"type": append(slices.Clone(textTypes), "null")}}
	}
	if values, ok := keyEnums[k.name]; ok {
		return map[string]any{"type": "string", "enum": values}
	}
	return map[string]any{"type": textTypes, "minLength": 1}
}

// textTypes are the JSON types of a YAML scalar taken as text.
var textTypes = []string{"string", "number", "boolean"}

func described(key string, s map[string]any) map[string]any {
	if d := keyDocs[key]; d != "" {
		s["description"] = d
	}
	return s
}
