package project

import (
	"cmp"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/ferrysync/ferry/engine/forward"
)

// DefaultsKey is the key, in the sync: and forward: sections, of the settings that
// apply to every entry of the section that does not set them itself: the keys of an
// entry, minus its endpoints. It is not a session, so no entry can be named so.
//
// How a setting combines with the same setting of a layer below it (the global
// configuration, a -c file, the project's defaults, the entry, in that order):
//   - ignore patterns add up: the lower layer's first, then the upper one's (as
//     Mutagen's configuration merging does), so an entry adds to the defaults;
//   - labels add up key by key, the upper layer's value winning for a key both set;
//   - every other key the upper layer sets replaces the lower layer's value.
//
// socketMode and socketOverwrite from defaults apply only to forwards with a unix:
// source; other forwards ignore them (set on an entry, they are still an error).
const DefaultsKey = "defaults"

// endpointKeys are the keys of an entry that a defaults: section cannot set.
var endpointKeys = map[string][]string{sectionSync: {"alpha", "beta"}, sectionForward: {"source", "destination"}}

// specs returns the keys that e may hold.
func (e *entry) specs() []keySpec {
	if !e.defaults {
		return keyTables[e.section]
	}
	var out []keySpec
	for _, s := range keyTables[e.section] {
		if !contains(endpointKeys[e.section], s.name) {
			out = append(out, s)
		}
	}
	return out
}

// Defaults are settings that sessions take unless they set their own: the
// defaults: sections of configuration files (see LoadConfig) and of a project file,
// combined in the order they apply. The zero value and nil set nothing.
type Defaults struct {
	// Files are the files the defaults come from, in the order they apply.
	Files   []string
	sync    layer[syncModel]
	forward layer[forwardModel]
}

// layer is one section's defaults: the model with the keys it sets, and for each
// the line of its value in the file being parsed (0 when it comes from another
// file, whose lines mean nothing in this one).
type layer[M any] struct {
	model M
	lines map[string]int
}

// Over returns d with top applied over it (either may be nil).
func (d *Defaults) Over(top *Defaults) *Defaults {
	switch {
	case d == nil && top == nil:
		return nil
	case d == nil:
		return top.clone()
	case top == nil:
		return d.clone()
	}
	out := &Defaults{Files: append(slices.Clone(d.Files), top.Files...)}
	out.sync = merge(d.sync, top.sync)
	out.forward = merge(d.forward, top.forward)
	return out
}

func (d *Defaults) clone() *Defaults {
	return &Defaults{Files: slices.Clone(d.Files), sync: merge(layer[syncModel]{}, d.sync), forward: merge(layer[forwardModel]{}, d.forward)}
}

// merge returns lower with upper's settings applied over it; lines are dropped, as
// the result is used in another file than either came from.
func merge[M any](lower, upper layer[M]) layer[M] {
	out := layer[M]{lines: map[string]int{}}
	for k := range lower.lines {
		if parent, nested := parentKey(k); nested {
			if _, replaced := upper.lines[parent]; !replaced {
				out.lines[k] = 0
			}
			continue
		}
		setKey(&out.model, &lower.model, k)
		out.lines[k] = 0
	}
	for k := range upper.lines {
		if _, nested := parentKey(k); nested {
			out.lines[k] = 0
			continue
		}
		top := upper.model
		if _, both := out.lines[k]; both {
			inheritKey(&top, &out.model, k, true)
		}
		setKey(&out.model, &top, k)
		out.lines[k] = 0
	}
	return out
}

// parentKey returns the block key of a key inside a block ("configurationBeta" of
// "configurationBeta.watchMode"); nested is false for a key of the entry itself.
// Blocks are set and replaced as a whole, so their keys only carry lines.
func parentKey(key string) (parent string, nested bool) {
	parent, _, nested = strings.Cut(key, ".")
	return parent, nested
}

// setKey copies key's value from src to dst.
func setKey(dst, src any, key string) {
	d, s := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	i := fieldOf(d.Type(), key)
	d.Field(i).Set(cloneValue(s.Field(i)))
}

// inheritKey combines key's value in lower into upper, where upperHas says whether
// upper sets the key itself: lists add up (lower's first), mappings add up (upper's
// values winning), anything else upper keeps when it sets it.
func inheritKey(upper, lower any, key string, upperHas bool) {
	u, l := reflect.ValueOf(upper).Elem(), reflect.ValueOf(lower).Elem()
	i := fieldOf(u.Type(), key)
	uf, lf := u.Field(i), l.Field(i)
	switch {
	case !upperHas:
		uf.Set(cloneValue(lf))
	case uf.Kind() == reflect.Slice:
		both := reflect.MakeSlice(uf.Type(), 0, lf.Len()+uf.Len())
		uf.Set(reflect.AppendSlice(reflect.AppendSlice(both, lf), uf))
	case uf.Kind() == reflect.Map:
		both := reflect.MakeMapWithSize(uf.Type(), lf.Len()+uf.Len())
		for _, m := range []reflect.Value{lf, uf} {
			for it := m.MapRange(); it.Next(); {
				both.SetMapIndex(it.Key(), it.Value())
			}
		}
		uf.Set(both)
	}
}

// cloneValue copies slices and maps, so that layers share no storage.
func cloneValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		return reflect.AppendSlice(reflect.MakeSlice(v.Type(), 0, v.Len()), v)
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), it.Value())
		}
		return out
	}
	return v
}

// fieldOf returns the index of the field of struct type t whose yaml tag is key.
func fieldOf(t reflect.Type, key string) int {
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("yaml") == key {
			return i
		}
	}
	panic(fmt.Sprintf("project: %s has no field for key %q", t, key))
}

// mergeOwn is merge for an upper layer from the file being parsed: its keys keep
// their lines.
func mergeOwn[M any](lower layer[M], e *entry, m M) layer[M] {
	upper := layer[M]{model: m, lines: map[string]int{}}
	for k := range e.keys {
		upper.lines[k] = e.keys[k]
	}
	out := merge(lower, upper)
	maps.Copy(out.lines, upper.lines)
	return out
}

// inherit gives entry e (decoded as m) the settings of l that it does not set,
// adding up lists and mappings; the keys it takes count as present in e, at the
// line of the defaults' value (the entry's own line when they come from another
// file).
func inherit[M any](e *entry, m *M, l layer[M], skip func(key string) bool) {
	own := maps.Clone(e.keys)
	for _, k := range slices.Sorted(maps.Keys(l.lines)) {
		if skip != nil && skip(k) {
			continue
		}
		if parent, nested := parentKey(k); nested {
			// A key of a block (configurationBeta.watchMode) comes with its block,
			// unless the entry has a block of its own, which replaces it.
			if _, ownBlock := own[parent]; !ownBlock {
				e.keys[k] = cmp.Or(l.lines[k], e.line)
			}
			continue
		}
		_, own := own[k]
		lower := l.model
		if k == "ignore" {
			// e.items are the lines of the patterns, which now start with the defaults'.
			v := reflect.ValueOf(lower)
			lines := make([]int, v.Field(fieldOf(v.Type(), k)).Len())
			for i := range lines {
				lines[i] = cmp.Or(l.lines[k], e.line)
			}
			e.items = append(lines, e.items...)
		}
		inheritKey(m, &lower, k, own)
		if !own {
			e.keys[k] = cmp.Or(l.lines[k], e.line)
		}
	}
}

// inheritForward is inherit for a forward entry: socketMode and socketOverwrite
// only reach an entry whose source is a unix: socket.
func inheritForward(p *Project, e *entry, m *forwardModel, l layer[forwardModel]) {
	unix := false
	if e.has("source") {
		a, err := forward.ParseAddress(m.Source, p.Dir)
		unix = err == nil && a.Network == "unix"
	}
	inherit(e, m, l, func(k string) bool { return !unix && (k == "socketMode" || k == "socketOverwrite") })
}

// addDefaults checks the defaults: entry e of the file p is parsed from, as an entry
// is checked, and adds its settings over d's when they are right (when they are not,
// the problems are reported once, here, and the entries are checked without them).
func addDefaults(p *Project, d *Defaults, e *entry, ps *problems) {
	before := len(ps.list)
	switch e.section {
	case sectionSync:
		var m syncModel
		if decodeEntry(e, &m, ps) {
			buildSync(p, e, m, ps)
			if len(ps.list) == before {
				d.sync = mergeOwn(d.sync, e, m)
			}
		}
	case sectionForward:
		var m forwardModel
		if decodeEntry(e, &m, ps) {
			buildForward(p, e, m, ps)
			if len(ps.list) == before {
				d.forward = mergeOwn(d.forward, e, m)
			}
		}
	}
}
