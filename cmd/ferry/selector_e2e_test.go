package main_test

import (
	"path/filepath"
	"testing"
)

// Set-based label selectors through the CLI and the daemon: in, notin, combined with
// the other forms, and a malformed one refused in one line.
func TestLabelSelectorSets(t *testing.T) {
	e := newEnv(t)
	base := t.TempDir()
	for n, env := range map[string]string{"one": "dev", "two": "stage", "three": "prod"} {
		e.ok("sync", "create", "--paused", "--name", n, "--label", "env="+env, "--label", "team=web",
			filepath.Join(base, n+"-a"), filepath.Join(base, n+"-b"))
	}
	e.ok("sync", "create", "--paused", "--name", "unlabelled", filepath.Join(base, "u-a"), filepath.Join(base, "u-b"))
	for _, tt := range []struct {
		sel  string
		want []string
	}{
		{"env in (dev,stage)", []string{"one", "two"}},
		{"env notin (prod)", []string{"one", "two", "unlabelled"}},
		{"env notin (prod),team=web", []string{"one", "two"}},
		{"team, env in (prod, dev)", []string{"one", "three"}},
	} {
		got := map[string]bool{}
		for _, s := range e.sessions("--label-selector", tt.sel) {
			got[s.Name] = true
		}
		if len(got) != len(tt.want) {
			t.Errorf("%q selects %v, want %v", tt.sel, got, tt.want)
		}
		for _, n := range tt.want {
			if !got[n] {
				t.Errorf("%q selects %v, want %v", tt.sel, got, tt.want)
			}
		}
	}
	e.ok("sync", "resume", "--label-selector", "env in (dev,stage)")
	if e.session("one").Paused || e.session("two").Paused || !e.session("three").Paused {
		t.Errorf("resume by env in (dev,stage) resumed the wrong sessions")
	}
	e.fails(`invalid label selector "env in (dev": '(' is never closed`, "sync", "list", "--label-selector", "env in (dev")
	e.fails(`"env in dev": in needs its values in parentheses`, "sync", "pause", "--label-selector", "env in dev")
}
