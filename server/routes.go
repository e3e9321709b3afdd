package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/engine/transport/ssh"
	"github.com/ferrysync/ferry/engine/url"
	"github.com/ferrysync/ferry/protocol"
)

// route serves one method: it decodes and checks the params, runs the handler and
// returns the result to encode. Every request of protocol/methods.go has one.
type route struct {
	run func(ctx context.Context, c *client, raw *json.RawMessage) (any, error)
	// long reports whether a request is started in order and then left to run on its
	// own (see conn.go); nil for never.
	long func(raw *json.RawMessage) bool
}

// entry is a method's route.
type entry struct {
	method string
	route
}

// serveAs makes the route of method m from its handler: decode, validate (when the
// params have a Validate method) and encode are written once, here.
func serveAs[P, R any](m protocol.Request[P, R], fn func(c *client, ctx context.Context, p P) (R, error)) entry {
	return entry{m.Method, route{run: func(ctx context.Context, c *client, raw *json.RawMessage) (any, error) {
		p, err := decodeParams[P](m.Method, raw)
		if err != nil {
			return nil, err
		}
		return fn(c, ctx, p)
	}}}
}

// long marks a route whose requests run on their own.
func long(e entry) entry {
	e.long = func(*json.RawMessage) bool { return true }
	return e
}

// table indexes routes by method.
func table(entries ...entry) map[string]route {
	m := make(map[string]route, len(entries))
	for _, e := range entries {
		m[e.method] = e.route
	}
	return m
}

// decodeParams reads a request's params; params that have a Validate method are
// checked with it.
func decodeParams[P any](method string, raw *json.RawMessage) (P, error) {
	var p P
	if raw != nil {
		if err := json.Unmarshal(*raw, &p); err != nil {
			return p, rpcError(protocol.CodeInvalidParams, "invalid parameters for %s: %v", method, err)
		}
	}
	if v, ok := any(p).(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return p, rpcError(protocol.CodeInvalidArgument, "%v", err)
		}
	}
	return p, nil
}

// routes serves every request of the API but initialize (which the connection
// handles first); TestEveryRequestHasARoute checks none is missing.
var routes = table(
	long(serveAs(protocol.SyncCreate, (*client).syncCreate)),
	serveAs(protocol.SyncList, (*client).syncList),
	serveAs(protocol.SyncPause, selectionOp((*session.Manager).Pause)),
	serveAs(protocol.SyncResume, selectionOp((*session.Manager).Resume)),
	serveAs(protocol.SyncReset, selectionOp((*session.Manager).Reset)),
	serveAs(protocol.SyncTerminate, selectionOp((*session.Manager).Terminate)),
	flushEntry(),
	serveAs(protocol.SyncConflicts, (*client).syncConflicts),
	long(serveAs(protocol.SyncReadFile, (*client).syncReadFile)),
	long(serveAs(protocol.SyncResolve, (*client).syncResolve)),
	long(serveAs(protocol.SyncTrash, (*client).syncTrash)),
	long(serveAs(protocol.SyncRestore, (*client).syncRestore)),
	serveAs(protocol.DaemonVersion, (*client).daemonVersion),
	serveAs(protocol.DaemonShutdown, (*client).daemonShutdown),
	long(serveAs(protocol.ForwardCreate, (*client).forwardCreate)),
	serveAs(protocol.ForwardList, (*client).forwardList),
	serveAs(protocol.ForwardPause, forwardOp((*forward.Manager).Pause)),
	serveAs(protocol.ForwardResume, forwardOp((*forward.Manager).Resume)),
	serveAs(protocol.ForwardTerminate, forwardOp((*forward.Manager).Terminate)),
	long(serveAs(protocol.RemotePorts, (*client).remotePorts)),
)

// flushEntry is sync/flush's route: a flush that waits for its cycle runs on its own.
func flushEntry() entry {
	e := serveAs(protocol.SyncFlush, (*client).syncFlush)
	e.long = func(raw *json.RawMessage) bool {
		p, err := decodeParams[protocol.SyncFlushParams](e.method, raw)
		return err == nil && !p.SkipWait
	}
	return e
}

// selectionOp serves a sync method that acts on selected sessions and returns nothing.
func selectionOp(op func(*session.Manager, registry.Selection) error) func(*client, context.Context, protocol.Selection) (protocol.None, error) {
	return func(c *client, _ context.Context, p protocol.Selection) (protocol.None, error) {
		return protocol.None{}, toRPCError(op(c.s.m, fromWireSelection(p)))
	}
}

// forwardOp is selectionOp for forwards.
func forwardOp(op func(*forward.Manager, registry.Selection) error) func(*client, context.Context, protocol.Selection) (protocol.None, error) {
	return func(c *client, _ context.Context, p protocol.Selection) (protocol.None, error) {
		return protocol.None{}, toRPCError(op(c.s.f, fromWireSelection(p)))
	}
}

func (c *client) syncCreate(ctx context.Context, p protocol.SyncCreateParams) (protocol.SyncCreateResult, error) {
	cfg, err := fromWireConfig(p.Config)
	if err != nil {
		return protocol.SyncCreateResult{}, rpcError(protocol.CodeInvalidArgument, "%v", err)
	}
	if err := checkAbsolute(p.Alpha, p.Beta); err != nil {
		return protocol.SyncCreateResult{}, err
	}
	st, err := c.s.m.Create(ssh.WithPrompter(ctx, c.prompter()), session.CreateRequest{Name: p.Name, Labels: p.Labels,
		Alpha: p.Alpha, Beta: p.Beta, Config: cfg, Paused: p.Paused, Force: p.Force})
	if err != nil {
		return protocol.SyncCreateResult{}, toRPCError(err)
	}
	return protocol.SyncCreateResult{Session: toWireSession(st)}, nil
}

func (c *client) syncList(_ context.Context, p protocol.SyncListParams) (protocol.SyncListResult, error) {
	states, err := c.s.m.List(fromWireSelection(p.Selection))
	if err != nil {
		return protocol.SyncListResult{}, toRPCError(err)
	}
	out := protocol.SyncListResult{Sessions: make([]protocol.SyncSession, len(states))}
	for i, st := range states {
		out.Sessions[i] = toWireSession(st)
	}
	return out, nil
}

func (c *client) syncFlush(ctx context.Context, p protocol.SyncFlushParams) (protocol.None, error) {
	return protocol.None{}, toRPCError(c.s.m.Flush(ctx, fromWireSelection(p.Selection),
		session.FlushOptions{SkipWait: p.SkipWait, AllowDeletions: p.AllowDeletions}))
}

func (c *client) syncConflicts(_ context.Context, p protocol.Selection) (protocol.SyncConflictsResult, error) {
	sel := fromWireSelection(p)
	states, err := c.s.m.List(sel)
	if err != nil {
		return protocol.SyncConflictsResult{}, toRPCError(err)
	}
	all, err := c.s.m.Conflicts(sel)
	if err != nil {
		return protocol.SyncConflictsResult{}, toRPCError(err)
	}
	out := protocol.SyncConflictsResult{Sessions: []protocol.SessionConflicts{}}
	for _, st := range states {
		sc := protocol.SessionConflicts{ID: st.Spec.ID, Name: st.Spec.Name, Conflicts: []protocol.Conflict{}}
		for _, cf := range all[st.Spec.ID] {
			sc.Conflicts = append(sc.Conflicts, toWireConflict(cf))
		}
		out.Sessions = append(out.Sessions, sc)
	}
	return out, nil
}

func (c *client) syncReadFile(ctx context.Context, p protocol.SyncReadFileParams) (protocol.SyncReadFileResult, error) {
	data, err := c.s.m.ReadFile(ctx, p.Session, p.Side, p.Path, maxReadFile)
	if err != nil {
		return protocol.SyncReadFileResult{}, toRPCError(err)
	}
	return protocol.SyncReadFileResult{Data: base64.StdEncoding.EncodeToString(data), Size: int64(len(data)),
		Digest: scan.Digest(data).String()}, nil
}

func (c *client) syncResolve(ctx context.Context, p protocol.SyncResolveParams) (protocol.SyncResolveResult, error) {
	if p.Keep != protocol.SideAlpha && p.Keep != protocol.SideBeta {
		return protocol.SyncResolveResult{}, rpcError(protocol.CodeInvalidArgument, "keep must be \"alpha\" or \"beta\", not %q", p.Keep)
	}
	r, err := c.s.m.Resolve(ctx, p.Session, p.Paths, p.Keep == protocol.SideAlpha)
	if err != nil {
		return protocol.SyncResolveResult{}, toRPCError(err)
	}
	return protocol.SyncResolveResult{Resolved: nonNil(r.Resolved), Failed: toWireProblems(r.Failed)}, nil
}

func (c *client) syncTrash(ctx context.Context, p protocol.SyncTrashParams) (protocol.SyncTrashResult, error) {
	sides := []string{protocol.SideAlpha, protocol.SideBeta}
	if p.Side != "" {
		sides = []string{p.Side}
	}
	out := protocol.SyncTrashResult{Items: []protocol.TrashItem{}}
	for _, side := range sides {
		items, err := c.s.m.Trash(ctx, p.Session, side)
		if err != nil {
			return protocol.SyncTrashResult{}, toRPCError(err)
		}
		for _, it := range items {
			out.Items = append(out.Items, protocol.TrashItem{Side: side, Batch: it.Batch,
				Time: it.Time.UTC().Format(time.RFC3339Nano), Path: it.Path, Size: it.Size, Link: it.Link})
		}
	}
	return out, nil
}

func (c *client) syncRestore(ctx context.Context, p protocol.SyncRestoreParams) (protocol.SyncRestoreResult, error) {
	path, err := c.s.m.Restore(ctx, p.Session, session.RestoreRequest{Side: p.Side, Batch: p.Batch, Path: p.Path, To: p.To})
	if err != nil {
		return protocol.SyncRestoreResult{}, toRPCError(err)
	}
	return protocol.SyncRestoreResult{Path: path}, nil
}

func (c *client) daemonVersion(context.Context, protocol.None) (protocol.VersionResult, error) {
	return version(), nil
}

func (c *client) daemonShutdown(_ context.Context, p protocol.DaemonShutdownParams) (protocol.None, error) {
	_, err := c.shutdownRequest(p)
	return protocol.None{}, err
}

func (c *client) forwardCreate(ctx context.Context, p protocol.ForwardCreateParams) (protocol.ForwardCreateResult, error) {
	mode, err := parseMode(p.SocketMode, "socket mode")
	if err != nil {
		return protocol.ForwardCreateResult{}, rpcError(protocol.CodeInvalidArgument, "%v", err)
	}
	st, err := c.s.f.Create(ssh.WithPrompter(ctx, c.prompter()), forward.CreateRequest{Name: p.Name, Labels: p.Labels, Source: p.Source,
		Destination: p.Destination, SocketMode: mode, SocketOverwrite: p.SocketOverwrite, Paused: p.Paused})
	if err != nil {
		return protocol.ForwardCreateResult{}, toRPCError(err)
	}
	return protocol.ForwardCreateResult{Session: toWireForward(st)}, nil
}

func (c *client) forwardList(_ context.Context, p protocol.ForwardListParams) (protocol.ForwardListResult, error) {
	states, err := c.s.f.List(fromWireSelection(p.Selection))
	if err != nil {
		return protocol.ForwardListResult{}, toRPCError(err)
	}
	out := protocol.ForwardListResult{Sessions: make([]protocol.ForwardSession, len(states))}
	for i, st := range states {
		out.Sessions[i] = toWireForward(st)
	}
	return out, nil
}

func (c *client) remotePorts(ctx context.Context, p protocol.RemotePortsParams) (protocol.RemotePortsResult, error) {
	host := strings.TrimSuffix(p.Host, ":")
	u, err := url.Parse(host + ":/")
	if strings.Contains(host, "://") {
		u, err = url.Parse(host + "/") // a container: docker://[user@]container
	}
	if err != nil || u.IsLocal() {
		return protocol.RemotePortsResult{}, rpcError(protocol.CodeInvalidArgument, "invalid host %q: give an SSH host as [user@]host[:port] or a container as docker://[user@]container", p.Host)
	}
	if c.s.ports == nil {
		return protocol.RemotePortsResult{}, rpcError(protocol.CodeFailed, "this daemon cannot reach SSH hosts")
	}
	ports, err := c.s.ports(ssh.WithPrompter(ctx, c.prompter()), u)
	if err != nil {
		return protocol.RemotePortsResult{}, toRPCError(err)
	}
	return protocol.RemotePortsResult{Ports: nonNil(ports)}, nil
}
