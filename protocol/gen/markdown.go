package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ferrysync/ferry/protocol"
)

// RenderMarkdown writes docs/api.md, the reference an editor author implements against.
func RenderMarkdown(api *API) ([]byte, error) {
	var b bytes.Buffer
	version := api.Const("ProtocolVersion")
	maxFrame := api.Const("MaxFrame")
	if version == nil || maxFrame == nil {
		return nil, fmt.Errorf("the package must declare ProtocolVersion and MaxFrame")
	}
	fmt.Fprintf(&b, "<!-- %s -->\n<!-- Source: protocol/*.go. Edit the Go doc comments there, then run go run ./protocol/gen. -->\n\n", Stamp)
	fmt.Fprintf(&b, `# ferry JSON-RPC API

This is the reference for programs that drive ferry: the VS Code extension, other
editors, scripts. The ferry daemon serves JSON-RPC 2.0 with LSP base-protocol framing;
the API is defined once, in Go, in the package `+"`protocol`"+`, and this page is generated
from it. Protocol version: **%s**. How to wire an editor to it, with Neovim and shell
examples: [editors.md](editors.md).

`, version.Value)
	const frameExample = `{"jsonrpc":"2.0","id":1,"method":"daemon/version"}`
	b.WriteString("## Contents\n\n")
	b.WriteString("- [Connecting](#connecting)\n- [Framing](#framing)\n- [Handshake](#handshake)\n")
	b.WriteString("- [Requests](#requests-client-to-server)\n")
	for _, m := range api.methods("request") {
		fmt.Fprintf(&b, "  - [`%s`](#%s)\n", m.Wire, anchor(m.Wire))
	}
	b.WriteString("- [Notifications](#notifications-server-to-client)\n")
	for _, m := range api.methods("notification") {
		fmt.Fprintf(&b, "  - [`%s`](#%s)\n", m.Wire, anchor(m.Wire))
	}
	b.WriteString("- [Prompts](#prompts-requests-from-server-to-client)\n")
	for _, m := range api.methods("serverRequest") {
		fmt.Fprintf(&b, "  - [`%s`](#%s)\n", m.Wire, anchor(m.Wire))
	}
	b.WriteString("- [Types](#types)\n- [Values](#values)\n- [Error codes](#error-codes)\n- [Example exchange](#example-exchange)\n\n")

	fmt.Fprintf(&b, `## Connecting

- **From an editor**: start `+"`ferry --stdio`"+` and speak on its stdin/stdout. It relays every
  message to the user's daemon (starting the daemon when none runs, unless
  `+"`FERRY_NO_AUTOSTART=1`"+`) and writes nothing but protocol frames to stdout; its logs go to
  stderr. When stdin closes it exits; the sessions go on in the daemon. When the daemon
  stops, it exits with an error: start it again to reconnect.
- **Directly**: connect to the unix socket `+"`daemon.sock`"+` in the data directory
  (`+"`~/.ferry`"+`, or `+"`$FERRY_DATA_DIR`"+`). Only the daemon's own user may connect.

Any number of clients may be connected at once; each one gets every notification.

## Framing

Each message is a header part and a body, as in the Language Server Protocol:

%s
Content-Length: %d\r\n
\r\n
%s
%s

- `+"`Content-Length`"+` (required) is the body's length in **bytes** (UTF-8), not characters.
- `+"`Content-Type`"+` is accepted and ignored; other headers are ignored.
- A body is at most %s bytes.
- A frame with a broken header gets an error response with code %d and `+"`\"id\": null`"+`;
  the reader skips to the next `+"`Content-Length`"+` header.

Bodies are JSON-RPC 2.0: requests (`+"`id`"+`, `+"`method`"+`, `+"`params`"+`), responses (`+"`id`"+`, `+"`result`"+`
or `+"`error`"+`), notifications (`+"`method`"+`, `+"`params`"+`, no `+"`id`"+`). Both sides send requests: the
client calls methods, and the server asks the client questions (prompts). Batches are
not used.

## Handshake

The first request on a connection must be [`+"`initialize`"+`](#initialize); any other gets error
%d. The client sends the protocol version it speaks; a server that speaks another major
version answers error %d and the client should tell the user to restart the daemon or
update itself. The result carries the state of every sync session, so a client renders
at once and then follows [notifications](#notifications-server-to-client) (no polling).
Set `+"`prompts`"+` if the client can show questions to a person (host keys, passwords), and
`+"`logLevel`"+` to receive the daemon's log lines.

`, "```", len(frameExample), frameExample, "```", maxFrame.Value, protocol.CodeParseError, protocol.CodeNotInitialized, protocol.CodeVersionMismatch)

	b.WriteString("## Requests (client to server)\n\n")
	for _, m := range api.methods("request") {
		api.writeMethod(&b, m)
	}
	b.WriteString("## Notifications (server to client)\n\n")
	b.WriteString("The server sends these to every initialized client (unless it asked to be quiet).\n\n")
	for _, m := range api.methods("notification") {
		api.writeMethod(&b, m)
	}
	b.WriteString("## Prompts: requests from server to client\n\n")
	b.WriteString("Sent only to clients that initialized with `prompts` set, when an operation needs a person's\n" +
		"answer. Reply with the result, or with an error to decline; the operation that asked then\n" +
		"fails with a message saying how to proceed. Several clients may be asked the same question:\n" +
		"the first answer wins.\n\n")
	for _, m := range api.methods("serverRequest") {
		api.writeMethod(&b, m)
	}

	b.WriteString("## Types\n\n")
	b.WriteString("Fields marked *optional* may be absent. Numbers are JSON numbers (64-bit counters stay\n" +
		"below 2^53 in practice). Types used by the methods above:\n\n")
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

	b.WriteString("## Values\n\n")
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

	b.WriteString("## Error codes\n\n")
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

	if err := writeExample(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
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
		ID:    "sync_4YQ2bLgkS0dm3GQ8nJ7vTe",
		Name:  "web",
		Alpha: protocol.EndpointState{URL: "/home/me/web", Connected: true, Scanned: true, Directories: 12, Files: 140, TotalFileSize: 1843200, Watch: "watching", Problems: []protocol.Problem{}},
		Beta:  protocol.EndpointState{URL: "devbox:/srv/web", Connected: true, Scanned: true, Directories: 12, Files: 96, TotalFileSize: 1024000, Watch: "watching", Problems: []protocol.Problem{}},
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
	created.Status, created.Staging = protocol.StatusConnectingAlpha, nil
	created.Alpha.Connected, created.Beta.Connected, created.Alpha.Scanned, created.Beta.Scanned = false, false, false, false
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
	b.WriteString("## Example exchange\n\n")
	b.WriteString("`→` is client to server, `←` server to client; each body travels in its own frame.\n" +
		"Note that the server's request (id 7) arrives while the client's request 2 is pending:\n" +
		"a client must keep reading and answer prompts while it waits.\n\n")
	for _, m := range msgs {
		body, err := json.MarshalIndent(m.body, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "%s %s:\n\n```json\n%s\n```\n\n", m.arrow, m.note, body)
	}
	return nil
}
