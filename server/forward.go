package server

import (
	"context"
	"strings"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/transport/ssh"
	"github.com/ferrysync/ferry/engine/url"
	"github.com/ferrysync/ferry/protocol"
)

// handleForward dispatches the forward and remote methods.
func (c *client) handleForward(ctx context.Context, req *jsonrpc2.Request) (any, error) {
	f := c.s.f
	switch req.Method {
	case protocol.MethodForwardCreate:
		p, err := decode[protocol.ForwardCreateParams](req)
		if err != nil {
			return nil, err
		}
		mode, err := parseMode(p.SocketMode, "socket mode")
		if err != nil {
			return nil, rpcError(protocol.CodeInvalidArgument, "%v", err)
		}
		ctx := ssh.WithPrompter(ctx, c.prompter())
		st, err := f.Create(ctx, forward.CreateRequest{Name: p.Name, Labels: p.Labels, Source: p.Source,
			Destination: p.Destination, SocketMode: mode, SocketOverwrite: p.SocketOverwrite, Paused: p.Paused})
		if err != nil {
			return nil, toRPCError(err)
		}
		return protocol.ForwardCreateResult{Session: toWireForward(st)}, nil
	case protocol.MethodForwardList:
		p, err := decode[protocol.ForwardListParams](req)
		if err != nil {
			return nil, err
		}
		states, err := f.List(fromWireSelection(p.Selection))
		if err != nil {
			return nil, toRPCError(err)
		}
		out := protocol.ForwardListResult{Sessions: make([]protocol.ForwardSession, len(states))}
		for i, st := range states {
			out.Sessions[i] = toWireForward(st)
		}
		return out, nil
	case protocol.MethodForwardPause, protocol.MethodForwardResume, protocol.MethodForwardTerminate:
		p, err := decode[protocol.Selection](req)
		if err != nil {
			return nil, err
		}
		op := map[string]func(registry.Selection) error{
			protocol.MethodForwardPause: f.Pause, protocol.MethodForwardResume: f.Resume,
			protocol.MethodForwardTerminate: f.Terminate,
		}[req.Method]
		return nil, toRPCError(op(fromWireSelection(p)))
	case protocol.MethodRemotePorts:
		p, err := decode[protocol.RemotePortsParams](req)
		if err != nil {
			return nil, err
		}
		u, err := url.Parse(strings.TrimSuffix(p.Host, ":") + ":/")
		if err != nil || u.IsLocal() {
			return nil, rpcError(protocol.CodeInvalidArgument, "invalid host %q: give an SSH host as [user@]host[:port]", p.Host)
		}
		if c.s.ports == nil {
			return nil, rpcError(protocol.CodeFailed, "this daemon cannot reach SSH hosts")
		}
		ports, err := c.s.ports(ssh.WithPrompter(ctx, c.prompter()), u)
		if err != nil {
			return nil, toRPCError(err)
		}
		return protocol.RemotePortsResult{Ports: nonNil(ports)}, nil
	}
	return nil, rpcError(protocol.CodeMethodNotFound, "unknown method %q", req.Method)
}

func toWireForward(s forward.State) protocol.ForwardSession {
	return protocol.ForwardSession{
		Seq: s.Seq, ID: s.Spec.ID, Name: s.Spec.Name, Labels: s.Spec.Labels,
		Source: s.Spec.Source, Destination: s.Spec.Destination,
		SourceConnected: s.SourceConnected, DestinationConnected: s.DestinationConnected,
		Paused: s.Spec.Paused, CreatedAt: s.Spec.CreatedAt.Format(time.RFC3339),
		Status: string(s.Status), OpenConnections: s.Open, TotalConnections: s.Total,
		FailedConnections: s.Failed, BytesOut: s.BytesOut, BytesIn: s.BytesIn,
		LastError: s.LastError, Terminated: s.Terminated,
	}
}
