package registry

import (
	"strings"
	"testing"
)

func TestLabelSelectorMatches(t *testing.T) {
	dev := map[string]string{"env": "dev", "team": "web"}
	prod := map[string]string{"env": "prod", "team": "web"}
	none := map[string]string{"team": "db"}
	tests := []struct {
		name string
		sel  string
		want [3]bool // dev, prod, none
	}{
		{"equals", "env=dev", [3]bool{true, false, false}},
		{"double equals", "env==prod", [3]bool{false, true, false}},
		{"not equals is met without the label", "env!=prod", [3]bool{true, false, true}},
		{"exists", "env", [3]bool{true, true, false}},
		{"not exists", "!env", [3]bool{false, false, true}},
		{"in", "env in (dev,stage)", [3]bool{true, false, false}},
		{"in with spaces", " env  in  ( dev , prod ) ", [3]bool{true, true, false}},
		{"in without space before the parenthesis", "env in(prod)", [3]bool{false, true, false}},
		{"in one value", "env in (prod)", [3]bool{false, true, false}},
		{"notin is met without the label", "env notin (prod)", [3]bool{true, false, true}},
		{"notin several", "env notin (prod,dev)", [3]bool{false, false, true}},
		{"in then equals", "env in (dev,prod),team=web", [3]bool{true, true, false}},
		{"equals then in", "team=web,env in (dev,stage)", [3]bool{true, false, false}},
		{"notin and exists", "env notin (dev),team", [3]bool{false, true, true}},
		{"two sets", "env in (dev,prod),team notin (db)", [3]bool{true, true, false}},
		{"key with slash and dots", "ferry.io/env in (x)", [3]bool{false, false, false}},
		{"a key named in", "in", [3]bool{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs, err := parseLabelSelector(tt.sel)
			if err != nil {
				t.Fatalf("parse %q: %v", tt.sel, err)
			}
			for i, labels := range []map[string]string{dev, prod, none} {
				if got := matchLabels(reqs, labels); got != tt.want[i] {
					t.Errorf("%q on %v = %v, want %v", tt.sel, labels, got, tt.want[i])
				}
			}
		})
	}
}

func TestLabelSelectorMalformed(t *testing.T) {
	tests := []struct {
		name, sel, wantErr string
	}{
		{"unclosed parenthesis", "env in (dev,stage", "'(' is never closed"},
		{"closing without opening", "env in dev)", "')' without '('"},
		{"nested parentheses", "env in ((dev))", "cannot nest"},
		{"empty set", "env in ()", "empty member"},
		{"empty member", "env in (dev,,stage)", "empty member"},
		{"trailing comma in set", "env notin (dev,)", "empty member"},
		{"in without parentheses", "env in dev", "in needs its values in parentheses"},
		{"notin without parentheses", "env notin prod", "notin needs its values in parentheses"},
		{"set without key", "in (dev)", "parentheses belong only after in or notin"},
		{"unknown operator", "env within (dev)", "parentheses belong only after in or notin"},
		{"text after the set", "env in (dev) x", "parentheses belong only after in or notin"},
		{"invalid value in set", "env in (dev,st age)", `invalid value "st age"`},
		{"invalid key of a set", "-env in (dev)", `invalid key "-env"`},
		{"trailing comma", "env=dev,", "empty requirement"},
		{"leading comma", ",env=dev", "empty requirement"},
		{"double comma", "env=dev,,team=web", "empty requirement"},
		{"no key", "=dev", "has no key"},
		{"not without key", "!", "has no key"},
		{"spaces in key", "my env=dev", `invalid key "my env"`},
		{"value with equals", "env=dev=x", "cannot contain '='"},
		{"invalid value", "env=dev stage", `invalid value "dev stage"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseLabelSelector(tt.sel)
			if err == nil {
				t.Fatalf("parse %q: no error, want one containing %q", tt.sel, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "invalid label selector") {
				t.Errorf("parse %q: %v, want it to contain %q", tt.sel, err, tt.wantErr)
			}
		})
	}
}

func TestSelectByLabelSet(t *testing.T) {
	type item struct{ id, env string }
	items := []*item{{"a", "dev"}, {"b", "stage"}, {"c", "prod"}, {"d", ""}}
	identity := func(it *item) Identity {
		labels := map[string]string{}
		if it.env != "" {
			labels["env"] = it.env
		}
		return Identity{ID: it.id, Labels: labels}
	}
	ids := func(sel string) string {
		got, err := Select(items, identity, Selection{LabelSelector: sel}, false, "sync")
		if err != nil {
			return "error: " + err.Error()
		}
		var s []string
		for _, it := range got {
			s = append(s, it.id)
		}
		return strings.Join(s, " ")
	}
	if got := ids("env in (dev,stage)"); got != "a b" {
		t.Errorf("env in (dev,stage) selects %q, want \"a b\"", got)
	}
	if got := ids("env notin (prod)"); got != "a b d" {
		t.Errorf("env notin (prod) selects %q, want \"a b d\"", got)
	}
	if got := ids("env in (dev"); !strings.Contains(got, "never closed") {
		t.Errorf("env in (dev: %q, want an error about the parenthesis", got)
	}
}
