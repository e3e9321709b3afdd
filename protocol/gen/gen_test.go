package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The generated files are committed; this fails when protocol/ changed without them.
func TestGeneratedFilesAreFresh(t *testing.T) {
	root := filepath.Join("..", "..")
	files, err := Generate(filepath.Join(root, "protocol"))
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range files {
		got, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Errorf("%s: %v; run go run ./protocol/gen from the repository root", rel, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: protocol/ changed since it was generated; run go run ./protocol/gen from the repository root", rel)
		}
		if !bytes.Contains(got[:min(len(got), 200)], []byte(Stamp)) {
			t.Errorf("%s does not start with the stamp %q", rel, Stamp)
		}
	}
}

func TestEveryMethodIsDocumentedAndTyped(t *testing.T) {
	api, err := Load(filepath.Join("..", "..", "protocol"))
	if err != nil {
		t.Fatal(err)
	}
	if len(api.Methods) == 0 {
		t.Fatal("no methods found")
	}
	ts, _ := RenderTS(api)
	md, _ := RenderMarkdown(api)
	for _, m := range api.Methods {
		if !bytes.Contains(ts, []byte(`"`+m.Wire+`": {`)) {
			t.Errorf("%s missing from the TypeScript method table", m.Wire)
		}
		if !bytes.Contains(md, []byte("### `"+m.Wire+"`")) {
			t.Errorf("%s has no section in api.md", m.Wire)
		}
	}
	for _, name := range []string{"initialize", "sync/state", "prompt/hostKey"} {
		found := false
		for _, m := range api.Methods {
			found = found || m.Wire == name
		}
		if !found {
			t.Errorf("method %s not found", name)
		}
	}
}

func TestDescriptorParsing(t *testing.T) {
	tests := []struct {
		name, decl, params, result, wantErr string
	}{
		{"types", "X = Request[InitializeParams, InitializeResult]{MethodX}", "InitializeParams", "InitializeResult", ""},
		{"null result", "X = Request[Selection, None]{MethodX}", "Selection", "", ""},
		{"no params", "X = Request[None, VersionResult]{MethodX}", "", "VersionResult", ""},
		{"missing declaration", "Y = 1", "", "", "has no declaration"},
		{"wrong kind", "X = Notification[Selection]{MethodX}", "", "", "declared as a notification"},
		{"unknown type", "X = Request[Nope, None]{MethodX}", "", "", "Nope is not an exported type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src := "package protocol\n\ntype Selection struct{}\ntype InitializeParams struct{}\ntype InitializeResult struct{}\ntype VersionResult struct{}\n" +
				"type Request[P, R any] struct{ Method string }\ntype Notification[P any] struct{ Method string }\ntype None struct{}\n\n" +
				"const (\n\t// MethodX does.\n\tMethodX = \"x\"\n)\n\nvar " + tc.decl + "\n"
			if err := os.WriteFile(filepath.Join(dir, "api.go"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			api, err := Load(dir)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := api.Methods[0]
			if m.Params != tc.params || m.Result != tc.result || m.Direction != "request" {
				t.Errorf("got params %q result %q direction %q", m.Params, m.Result, m.Direction)
			}
		})
	}
}

func TestTypeMapping(t *testing.T) {
	tests := []struct{ field, want string }{
		{"A string `json:\"a\"`", "a: string"},
		{"A string `json:\"a,omitempty\"`", "a?: string"},
		{"A uint64 `json:\"a\"`", "a: number"},
		{"A float64 `json:\"a\"`", "a: number"},
		{"A bool `json:\"a\"`", "a: boolean"},
		{"A []Other `json:\"a\"`", "a: Other[]"},
		{"A map[string]string `json:\"a,omitempty\"`", "a?: Record<string, string>"},
		{"A *Other `json:\"a,omitempty\"`", "a?: Other"},
		{"A *Other `json:\"a\"`", "a?: Other | null"},
		{"A []byte `json:\"a\"`", "a: string"},
		{"A string", "A: string"},
	}
	for _, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
			x, err := parser.ParseExpr("struct{ " + tc.field + " }")
			if err != nil {
				t.Fatal(err)
			}
			typ := &Type{Struct: true}
			if err := typ.loadFields(x.(*ast.StructType)); err != nil {
				t.Fatal(err)
			}
			if got := tsField(typ.Fields[0]); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEmbeddedStructExtends(t *testing.T) {
	x, err := parser.ParseExpr("struct{ Selection\n // S is s.\n S bool `json:\"s,omitempty\"` }")
	if err != nil {
		t.Fatal(err)
	}
	typ := &Type{Name: "P", Struct: true}
	if err := typ.loadFields(x.(*ast.StructType)); err != nil {
		t.Fatal(err)
	}
	if len(typ.Embeds) != 1 || typ.Embeds[0] != "Selection" || len(typ.Fields) != 1 {
		t.Fatalf("embeds %v fields %d", typ.Embeds, len(typ.Fields))
	}
	api := &API{Types: []*Type{typ}, byName: map[string]*Type{"P": typ}}
	ts, _ := RenderTS(api)
	if !bytes.Contains(ts, []byte("export interface P extends Selection {")) {
		t.Errorf("no extends in:\n%s", ts)
	}
}

func TestFieldInheritsSharedDoc(t *testing.T) {
	x, _ := parser.ParseExprFrom(token.NewFileSet(), "", "struct{\n// Alpha and Beta are the sides.\nAlpha string `json:\"alpha\"`\nBeta string `json:\"beta\"`\nGamma string `json:\"gamma\"` }", parser.ParseComments)
	typ := &Type{Struct: true}
	if err := typ.loadFields(x.(*ast.StructType)); err != nil {
		t.Fatal(err)
	}
	if typ.Fields[1].Doc != "Alpha and Beta are the sides." || typ.Fields[2].Doc != "" {
		t.Errorf("docs: %q, %q", typ.Fields[1].Doc, typ.Fields[2].Doc)
	}
}
