package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"

	"github.com/ferrysync/ferry/protocol"
)

// apiTemplate is docs/api.md's prose, with the generated sections as fields.
//
//go:embed api.md.tmpl
var apiTemplate string

// RenderMarkdown writes docs/api.md, the reference an editor author implements against:
// the prose of api.md.tmpl with the sections generated from the package.
func RenderMarkdown(api *API) ([]byte, error) {
	version := api.Const("ProtocolVersion")
	maxFrame := api.Const("MaxFrame")
	if version == nil || maxFrame == nil {
		return nil, fmt.Errorf("the package must declare ProtocolVersion and MaxFrame")
	}
	const frameExample = `{"jsonrpc":"2.0","id":1,"method":"daemon/version"}`
	data := map[string]any{
		"Version": version.Value, "MaxFrame": maxFrame.Value,
		"FrameExample": frameExample, "FrameLength": len(frameExample),
		"CodeParseError": protocol.CodeParseError, "CodeNotInitialized": protocol.CodeNotInitialized,
		"CodeVersionMismatch": protocol.CodeVersionMismatch,
	}
	var contents strings.Builder
	for _, sec := range []struct{ title, anchor, direction, key string }{
		{"Requests", "requests-client-to-server", "request", "Requests"},
		{"Notifications", "notifications-server-to-client", "notification", "Notifications"},
		{"Prompts", "prompts-requests-from-server-to-client", "serverRequest", "Prompts"},
	} {
		fmt.Fprintf(&contents, "- [%s](#%s)\n", sec.title, sec.anchor)
		var b bytes.Buffer
		for _, m := range api.methods(sec.direction) {
			fmt.Fprintf(&contents, "  - [`%s`](#%s)\n", m.Wire, anchor(m.Wire))
			api.writeMethod(&b, m)
		}
		data[sec.key] = b.String()
	}
	data["Contents"] = contents.String()
	data["Types"] = api.renderTypes()
	data["Values"] = api.renderValues()
	data["Errors"] = api.renderErrors()
	var ex bytes.Buffer
	if err := writeExample(&ex); err != nil {
		return nil, err
	}
	data["Example"] = strings.TrimSuffix(ex.String(), "\n")
	tmpl, err := template.New("api.md").Parse(apiTemplate)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!-- %s -->\n<!-- Source: protocol/*.go and protocol/gen/api.md.tmpl. Edit those, then run go run ./protocol/gen. -->\n\n", Stamp)
	if err := tmpl.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (api *API) renderTypes() string {
	var b bytes.Buffer
	for _, t := range api.reachable() {
		fmt.Fprintf(&b, "### %s\n\n", t.Name)
		if t.Doc != "" {
			fmt.Fprintf(&b, "%s\n\n", paragraph(t.Doc))
		}
		if !t.Struct {
			fmt.Fprintf(&b, "Type: `%s`\n\n", tsType(t.Underlying))
			continue
		}
		api.writeFields(&b, t)
	}
	return b.String()
}

func (api *API) renderValues() string {
	var b bytes.Buffer
	for _, g := range api.Groups {
		if _, isMethod := directions[g.Prefix]; isMethod || g.Prefix == "" || g.Prefix == "Code" {
			continue
		}
		fmt.Fprintf(&b, "### %s\n\n", g.Prefix)
		if g.Doc != "" {
			fmt.Fprintf(&b, "%s\n\n", paragraph(g.Doc))
		}
		b.WriteString("| Value | Constant | Description |\n| --- | --- | --- |\n")
		for _, c := range g.Consts {
			fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", strings.Trim(c.Value, `"`), c.Name, cell(c.Doc))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (api *API) renderErrors() string {
	var b bytes.Buffer
	for _, g := range api.Groups {
		if g.Prefix != "Code" {
			continue
		}
		if g.Doc != "" {
			fmt.Fprintf(&b, "%s\n\n", paragraph(g.Doc))
		}
		b.WriteString("| Code | Constant | Meaning |\n| --- | --- | --- |\n")
		for _, c := range g.Consts {
			fmt.Fprintf(&b, "| %s | `%s` | %s |\n", c.Value, c.Name, cell(strings.TrimPrefix(c.Doc, c.Name+": ")))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (api *API) methods(direction string) []*Method {
	var out []*Method
	for _, m := range api.Methods {
		if m.Direction == direction {
			out = append(out, m)
		}
	}
	return out
}

func (api *API) writeMethod(b *bytes.Buffer, m *Method) {
	fmt.Fprintf(b, "### `%s`\n\n", m.Wire)
	if m.Summary != "" {
		fmt.Fprintf(b, "%s\n\n", paragraph(strings.Replace(m.Summary, m.Const.Name, "`"+m.Wire+"`", 1)))
	}
	fmt.Fprintf(b, "Constant: `%s`.\n\n", m.Const.Name)
	api.writeSignaturePart(b, "Params", m.Params, m.Direction == "notification")
	if m.Direction != "notification" {
		api.writeSignaturePart(b, "Result", m.Result, false)
	}
}

func (api *API) writeSignaturePart(b *bytes.Buffer, label, typeName string, notification bool) {
	if typeName == "" {
		if label == "Params" {
			fmt.Fprintf(b, "**%s**: none (omit `params`, or send `null`).\n\n", label)
		} else {
			fmt.Fprintf(b, "**%s**: `null`.\n\n", label)
		}
		return
	}
	fmt.Fprintf(b, "**%s**: [`%s`](#%s)\n\n", label, typeName, strings.ToLower(typeName))
	if t := api.Type(typeName); t != nil && t.Struct {
		api.writeFields(b, t)
	}
}

func (api *API) writeFields(b *bytes.Buffer, t *Type) {
	fields := api.AllFields(t)
	if len(fields) == 0 {
		b.WriteString("No fields: send `{}`.\n\n")
		return
	}
	if len(t.Embeds) > 0 {
		fmt.Fprintf(b, "Includes the fields of %s.\n\n", linkList(t.Embeds))
	}
	b.WriteString("| Field | Type | Description |\n| --- | --- | --- |\n")
	for _, f := range fields {
		opt := ""
		if f.OmitEmpty || f.Type.Kind == "pointer" {
			opt = " *(optional)*"
		}
		fmt.Fprintf(b, "| `%s`%s | %s | %s |\n", f.JSON, opt, api.mdType(f.Type), cell(f.Doc))
	}
	b.WriteString("\n")
}

// mdType renders a type, linking declared types to their section.
func (api *API) mdType(e *Expr) string {
	switch e.Kind {
	case "named":
		return fmt.Sprintf("[`%s`](#%s)", e.Name, strings.ToLower(e.Name))
	case "array":
		return api.mdType(e.Elem) + "`[]`"
	case "map":
		return "`Record<string, " + tsType(e.Elem) + ">`"
	case "pointer":
		return api.mdType(e.Elem)
	}
	return "`" + e.Kind + "`"
}

// reachable lists the types used by the methods, in source order.
func (api *API) reachable() []*Type {
	seen := map[string]bool{}
	var visit func(name string)
	var visitExpr func(e *Expr)
	visitExpr = func(e *Expr) {
		if e.Kind == "named" {
			visit(e.Name)
		} else if e.Elem != nil {
			visitExpr(e.Elem)
		}
	}
	visit = func(name string) {
		t := api.Type(name)
		if name == "" || seen[name] || t == nil {
			return
		}
		seen[name] = true
		for _, e := range t.Embeds {
			visit(e)
		}
		for _, f := range t.Fields {
			visitExpr(f.Type)
		}
		if t.Underlying != nil {
			visitExpr(t.Underlying)
		}
	}
	for _, m := range api.Methods {
		visit(m.Params)
		visit(m.Result)
	}
	var out []*Type
	for _, t := range api.Types {
		if seen[t.Name] {
			out = append(out, t)
		}
	}
	return out
}

func linkList(names []string) string {
	links := make([]string, len(names))
	for i, n := range names {
		links[i] = fmt.Sprintf("[`%s`](#%s)", n, strings.ToLower(n))
	}
	return strings.Join(links, ", ")
}

// anchor is GitHub's heading anchor for a heading holding `name`.
func anchor(name string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			sb.WriteRune(r)
		} else if r == ' ' {
			sb.WriteRune('-')
		}
	}
	return sb.String()
}

// paragraph joins a doc comment's wrapped lines, keeping blank-line paragraph breaks.
func paragraph(doc string) string {
	paras := strings.Split(strings.TrimSpace(doc), "\n\n")
	for i, p := range paras {
		paras[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(paras, "\n\n")
}

// cell makes a doc comment fit in a table cell.
func cell(doc string) string {
	s := strings.Join(strings.Fields(doc), " ")
	s = strings.ReplaceAll(s, "|", `\|`)
	if s == "" {
		return " "
	}
	return s
}

// writeExample shows a conversation built from the real wire types, so it cannot
// drift from them.
func writeExample(b *bytes.Buffer) error {
	session := protocol.SyncSession{
		Seq:   1796187012000042,
		ID:    "sync_4YQ2bLgkS0dm3GQ8nJ7vTe",
		Name:  "web",
		Alpha: protocol.EndpointState{URL: "/home/me/web", Status: protocol.EndpointConnected, Connected: true, Scanned: true, Directories: 12, Files: 140, TotalFileSize: 1843200, Watch: "watching", Problems: []protocol.Problem{}},
		Beta:  protocol.EndpointState{URL: "devbox:/srv/web", Status: protocol.EndpointConnected, Connected: true, Scanned: true, Directories: 12, Files: 96, TotalFileSize: 1024000, Watch: "watching", Problems: []protocol.Problem{}},
		Config: protocol.SyncConfig{Mode: "two-way-safe", SymlinkMode: "portable", WatchMode: "portable",
			PollIntervalSeconds: 10},
		CreatedAt: "2026-11-26T09:30:00Z",
		Status:    protocol.StatusStagingBeta,
		Conflicts: []protocol.Conflict{},
		Staging: &protocol.StagingProgress{Side: protocol.SideBeta, FilesDone: 20, FilesTotal: 44,
			BytesDone: 409600, BytesTotal: 819200, Rate: 2.5e6, Path: "assets/logo.png"},
	}
	type msg struct {
		arrow, note string
		body        any
	}
	rpc := func(fields ...any) map[string]any {
		m := map[string]any{"jsonrpc": "2.0"}
		for i := 0; i+1 < len(fields); i += 2 {
			m[fields[i].(string)] = fields[i+1]
		}
		return m
	}
	created := session
	created.Seq, created.Status, created.Staging = 1796187011000017, protocol.StatusConnectingAlpha, nil
	created.Alpha.Status, created.Beta.Status = protocol.EndpointConnected, protocol.EndpointConnected
	created.Alpha.Scanned, created.Beta.Scanned = false, false
	created.Alpha.Files, created.Beta.Files, created.Alpha.Directories, created.Beta.Directories = 0, 0, 0, 0
	created.Alpha.TotalFileSize, created.Beta.TotalFileSize, created.Alpha.Watch, created.Beta.Watch = 0, 0, "", ""
	msgs := []msg{
		{"→", "the client opens the conversation", rpc("id", 1, "method", protocol.MethodInitialize, "params", protocol.InitializeParams{
			ClientName: "my-editor", ClientVersion: "0.1.0", ProtocolVersion: protocol.ProtocolVersion, Prompts: true, LogLevel: protocol.LogInfo})},
		{"←", "the server answers with every session (none yet)", rpc("id", 1, "result", protocol.InitializeResult{
			Version: "v0.4.0", ProtocolVersion: protocol.ProtocolVersion, Sessions: []protocol.SyncSession{}})},
		{"→", "create a session", rpc("id", 2, "method", protocol.MethodSyncCreate, "params", protocol.SyncCreateParams{
			Name: "web", Alpha: "/home/me/web", Beta: "devbox:/srv/web", Config: protocol.SyncConfig{Mode: "two-way-safe"}})},
		{"←", "the first connection to devbox meets an unknown host key: the server asks", rpc("id", 7, "method", protocol.RequestHostKey, "params", protocol.HostKeyPrompt{
			Host: "devbox", Address: "203.0.113.7:22", KeyType: "ssh-ed25519", Fingerprint: "SHA256:7vQ5yZ1x0lYbJ0m6fN8dTq3cKp2hW9sR4uE1aG6iO0M",
			Message: "The authenticity of host devbox (203.0.113.7:22) can't be established. ssh-ed25519 key fingerprint is SHA256:7vQ5yZ1x0lYbJ0m6fN8dTq3cKp2hW9sR4uE1aG6iO0M. Trust it and connect?"})},
		{"→", "the person accepted", rpc("id", 7, "result", protocol.HostKeyAnswer{Accept: true})},
		{"←", "the session exists", rpc("id", 2, "result", protocol.SyncCreateResult{Session: created})},
		{"←", "then its state is pushed at every change", rpc("method", protocol.NotifySyncState, "params", session)},
		{"→", "an unknown method", rpc("id", 3, "method", "sync/frobnicate", "params", map[string]any{})},
		{"←", "errors carry a stable code and say what to do", rpc("id", 3, "error", map[string]any{
			"code": protocol.CodeMethodNotFound, "message": `unknown method "sync/frobnicate"; see docs/api.md for the methods`})},
	}
	for _, m := range msgs {
		body, err := json.MarshalIndent(m.body, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "%s %s:\n\n```json\n%s\n```\n\n", m.arrow, m.note, body)
	}
	return nil
}
