package server

import (
	"context"
	"errors"

	"github.com/ferrysync/ferry/engine/transport/ssh"
	"github.com/ferrysync/ferry/protocol"
)

// clientPrompter asks the person at one client, through server-to-client requests.
type clientPrompter struct{ c *client }

// ConfirmHostKey implements ssh.Prompter.
func (p clientPrompter) ConfirmHostKey(ctx context.Context, hp ssh.HostKeyPrompt) (bool, error) {
	var ans protocol.HostKeyAnswer
	err := p.c.connection().Call(ctx, protocol.RequestHostKey, protocol.HostKeyPrompt{
		Host: hp.Host, Address: hp.Address, KeyType: hp.KeyType, Fingerprint: hp.Fingerprint, Message: hp.Message,
	}, &ans)
	return ans.Accept, err
}

// Secret implements ssh.Prompter.
func (p clientPrompter) Secret(ctx context.Context, sp ssh.SecretPrompt) (string, error) {
	var ans protocol.SecretAnswer
	err := p.c.connection().Call(ctx, protocol.RequestSecret, protocol.SecretPrompt{
		Host: sp.Host, Kind: string(sp.Kind), Prompt: sp.Message, Echo: sp.Echo,
	}, &ans)
	return ans.Value, err
}

// prompter returns the client's prompter, or nil when it cannot ask anyone.
func (c *client) prompter() ssh.Prompter {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.prompts {
		return nil
	}
	return clientPrompter{c}
}

// errNoPrompter explains a prompt nobody can answer.
var errNoPrompter = errors.New("a question needs an answer but no editor or terminal that can prompt is connected; run the command from a terminal (for instance \"ferry sync flush\")")

// anyPrompter asks whichever prompt-capable client connected last; sessions that
// reconnect in the background use it.
type anyPrompter struct{ s *Server }

func (a anyPrompter) pick() (ssh.Prompter, error) {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	var best *client
	for c := range a.s.clients {
		c.mu.Lock()
		if c.prompts && (best == nil || c.seq > best.seq) {
			best = c
		}
		c.mu.Unlock()
	}
	if best == nil {
		return nil, errNoPrompter
	}
	return clientPrompter{best}, nil
}

// ConfirmHostKey implements ssh.Prompter.
func (a anyPrompter) ConfirmHostKey(ctx context.Context, hp ssh.HostKeyPrompt) (bool, error) {
	p, err := a.pick()
	if err != nil {
		return false, err
	}
	return p.ConfirmHostKey(ctx, hp)
}

// Secret implements ssh.Prompter.
func (a anyPrompter) Secret(ctx context.Context, sp ssh.SecretPrompt) (string, error) {
	p, err := a.pick()
	if err != nil {
		return "", err
	}
	return p.Secret(ctx, sp)
}

// Prompter returns a prompter that asks the most recently connected client able to
// prompt.
func (s *Server) Prompter() ssh.Prompter { return anyPrompter{s} }
