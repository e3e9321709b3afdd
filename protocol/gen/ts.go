package main

import (
	"bytes"
	"fmt"
	"strings"
)

// RenderTS writes the TypeScript module: constants, interfaces and method tables.
func RenderTS(api *API) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// %s\n// Source: protocol/*.go, the single definition of ferry's JSON-RPC API.\n\n", Stamp)
	jsdoc(&b, "", "@packageDocumentation\n"+api.Doc)
	b.WriteString("\n")

	for _, g := range api.Groups {
		if g.Prefix == "" {
			c := g.Consts[0]
			jsdoc(&b, "", joinDocs(g.Doc, c.Doc))
			fmt.Fprintf(&b, "export const %s = %s;\n\n", c.Name, c.Value)
			continue
		}
		jsdoc(&b, "", g.Doc)
		fmt.Fprintf(&b, "export const %s = {\n", g.Prefix)
		for _, c := range g.Consts {
			jsdoc(&b, "  ", c.Doc)
			fmt.Fprintf(&b, "  %s: %s,\n", c.Key, c.Value)
		}
		b.WriteString("} as const;\n")
		fmt.Fprintf(&b, "/** One of the values of {@link %[1]s}. */\nexport type %[1]s = (typeof %[1]s)[keyof typeof %[1]s];\n\n", g.Prefix)
	}

	for _, t := range api.Types {
		jsdoc(&b, "", t.Doc)
		if !t.Struct {
			fmt.Fprintf(&b, "export type %s = %s;\n\n", t.Name, tsType(t.Underlying))
			continue
		}
		ext := ""
		if len(t.Embeds) > 0 {
			ext = " extends " + strings.Join(t.Embeds, ", ")
		}
		fmt.Fprintf(&b, "export interface %s%s {\n", t.Name, ext)
		for _, f := range t.Fields {
			jsdoc(&b, "  ", f.Doc)
			fmt.Fprintf(&b, "  %s;\n", tsField(f))
		}
		b.WriteString("}\n\n")
	}

	tables := []struct{ dir, name, doc string }{
		{"request", "ClientRequests", "Requests a client sends to the server: method name to params and result (null: none)."},
		{"notification", "ServerNotifications", "Notifications the server sends to an initialized client: method name to params."},
		{"serverRequest", "ServerRequests", "Requests the server sends to a client that initialized with prompts set: method name to params and result."},
	}
	for _, tb := range tables {
		jsdoc(&b, "", tb.doc)
		fmt.Fprintf(&b, "export interface %s {\n", tb.name)
		for _, m := range api.Methods {
			if m.Direction != tb.dir {
				continue
			}
			jsdoc(&b, "  ", m.Const.Doc)
			if m.Direction == "notification" {
				fmt.Fprintf(&b, "  %q: %s;\n", m.Wire, orNull(m.Params))
			} else {
				fmt.Fprintf(&b, "  %q: { params: %s; result: %s };\n", m.Wire, orNull(m.Params), orNull(m.Result))
			}
		}
		b.WriteString("}\n\n")
	}
	jsdoc(&b, "", "Every method of the API with its direction and the names of its params and result types (null: none), for code that needs them at run time.")
	b.WriteString("export const methodTable = {\n")
	for _, m := range api.Methods {
		fmt.Fprintf(&b, "  %q: { direction: %q, params: %s, result: %s },\n", m.Wire, m.Direction, quoteOrNull(m.Params), quoteOrNull(m.Result))
	}
	b.WriteString("} as const;\n")
	return b.Bytes(), nil
}

// tsField renders one interface member.
func tsField(f *Field) string {
	name := f.JSON
	if !isIdent(name) {
		name = fmt.Sprintf("%q", name)
	}
	t := f.Type
	switch {
	case t.Kind == "pointer" && f.OmitEmpty:
		return fmt.Sprintf("%s?: %s", name, tsType(t.Elem))
	case t.Kind == "pointer":
		return fmt.Sprintf("%s?: %s | null", name, tsType(t.Elem))
	case f.OmitEmpty:
		return fmt.Sprintf("%s?: %s", name, tsType(t))
	}
	return fmt.Sprintf("%s: %s", name, tsType(t))
}

// tsType renders a type expression.
func tsType(e *Expr) string {
	switch e.Kind {
	case "named":
		return e.Name
	case "array":
		inner := tsType(e.Elem)
		if strings.ContainsAny(inner, " |") {
			inner = "(" + inner + ")"
		}
		return inner + "[]"
	case "map":
		return "Record<string, " + tsType(e.Elem) + ">"
	case "pointer":
		return tsType(e.Elem) + " | null"
	}
	return e.Kind
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func orNull(name string) string {
	if name == "" {
		return "null"
	}
	return name
}

func quoteOrNull(name string) string {
	if name == "" {
		return "null"
	}
	return fmt.Sprintf("%q", name)
}

func joinDocs(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n\n" + b
}

// jsdoc writes text as a JSDoc comment with the given indent.
func jsdoc(b *bytes.Buffer, indent, text string) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "*/", "*\\/"))
	if text == "" {
		return
	}
	lines := strings.Split(text, "\n")
	if len(lines) == 1 {
		fmt.Fprintf(b, "%s/** %s */\n", indent, lines[0])
		return
	}
	fmt.Fprintf(b, "%s/**\n", indent)
	for _, l := range lines {
		if l == "" {
			fmt.Fprintf(b, "%s *\n", indent)
		} else {
			fmt.Fprintf(b, "%s * %s\n", indent, l)
		}
	}
	fmt.Fprintf(b, "%s */\n", indent)
}
