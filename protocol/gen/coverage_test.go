package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sources returns the non-test Go source of the packages in dirs (relative to the
// repository root), concatenated.
func sources(t *testing.T, dirs ...string) string {
	t.Helper()
	var b strings.Builder
	for _, d := range dirs {
		names, err := filepath.Glob(filepath.Join("..", "..", d, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if strings.HasSuffix(n, "_test.go") {
				continue
			}
			data, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(data)
		}
	}
	return b.String()
}

// TestEveryRequestHasARoute checks the server's route table against the declared
// requests: each request but initialize (served by the connection itself) has exactly
// one route, and every route serves a declared request.
func TestEveryRequestHasARoute(t *testing.T) {
	api, err := Load(filepath.Join("..", "..", "protocol"))
	if err != nil {
		t.Fatal(err)
	}
	src := sources(t, "server")
	routed := map[string]int{}
	for _, m := range regexp.MustCompile(`serveAs\(protocol\.([A-Za-z]+),`).FindAllStringSubmatch(src, -1) {
		routed[m[1]]++
	}
	declared := map[string]bool{}
	for _, m := range api.Methods {
		if m.Direction != "request" || m.Wire == "initialize" {
			continue
		}
		declared[m.Var] = true
		if routed[m.Var] != 1 {
			t.Errorf("%s (%s) has %d routes in server/routes.go, want 1", m.Var, m.Wire, routed[m.Var])
		}
	}
	for v := range routed {
		if !declared[v] {
			t.Errorf("server/routes.go routes protocol.%s, which is not a declared request", v)
		}
	}
}

// TestErrorCodesAreProducedAndDocumented checks that every error code of the API is
// sent somewhere (by ferry's server and client, or by the JSON-RPC library for the
// standard ones it owns) and has its meaning documented.
func TestErrorCodesAreProducedAndDocumented(t *testing.T) {
	api, err := Load(filepath.Join("..", "..", "protocol"))
	if err != nil {
		t.Fatal(err)
	}
	// Produced by github.com/sourcegraph/jsonrpc2 itself, for messages it cannot read.
	library := map[string]bool{"CodeParseError": true, "CodeInvalidRequest": true}
	src := sources(t, "server", "cmd/ferry")
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`protocol\.(Code[A-Za-z]+)`).FindAllStringSubmatch(src, -1) {
		used[m[1]] = true
	}
	documented := map[string]bool{}
	for _, g := range api.Groups {
		if g.Prefix != "Code" {
			continue
		}
		for _, c := range g.Consts {
			documented[c.Name] = true
			if strings.TrimSpace(strings.TrimPrefix(c.Doc, c.Name+":")) == "" {
				t.Errorf("%s has no documented meaning", c.Name)
			}
			if !used[c.Name] && !library[c.Name] {
				t.Errorf("%s is documented but nothing sends it", c.Name)
			}
		}
	}
	for c := range used {
		if !documented[c] {
			t.Errorf("%s is sent but not documented in protocol/errors.go", c)
		}
	}
}
