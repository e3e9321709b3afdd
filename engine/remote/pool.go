package remote

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/transport/ssh"
	"github.com/ferrysync/ferry/engine/url"
)

// idleClose is how long an unused connection stays open, so a session that reconnects
// or a short-lived request does not pay for a new SSH handshake and agent start.
const idleClose = 10 * time.Second

// Pool shares one Host per user@host:port, and one per container engine, user and
// container.
type Pool struct {
	bundle *Bundle

	mu       sync.Mutex
	hosts    map[string]*poolEntry
	fallback ssh.Prompter
}

// SetFallback sets who answers prompts when a request's context carries no Prompter
// (a session reconnecting in the background); nil refuses them.
func (p *Pool) SetFallback(f ssh.Prompter) {
	p.mu.Lock()
	p.fallback = f
	p.mu.Unlock()
}

type poolEntry struct {
	host  *Host
	refs  int
	ready chan struct{} // closed when dialing ends
	err   error
	idle  *time.Timer
}

// NewPool returns a pool that installs agents from b.
func NewPool(b *Bundle) *Pool {
	return &Pool{bundle: b, hosts: map[string]*poolEntry{}}
}

// hostKey is the pool's key for u's host, and how to dial it: an SSH host is
// resolved with the ssh config, so two spellings of one user@host:port share it; a
// container's key is docker://user@container.
func hostKey(ctx context.Context, u url.URL) (key string, dial func(context.Context, ssh.Prompter) (link, error), err error) {
	if u.IsContainer() {
		c := u
		c.Path = ""
		return c.String(), func(ctx context.Context, _ ssh.Prompter) (link, error) { return dialContainer(ctx, u) }, nil
	}
	hc, key, err := resolve(ctx, u)
	if err != nil {
		return "", nil, err
	}
	return key, func(ctx context.Context, p ssh.Prompter) (link, error) { return dialSSH(ctx, hc, p) }, nil
}

// resolve finds where a URL's SSH host lives after ssh config resolution.
func resolve(ctx context.Context, u url.URL) (*ssh.HostConfig, string, error) {
	hc, err := ssh.Resolve(ctx, u.Host, ssh.ResolveOptions{User: u.User, Port: u.Port})
	if err != nil {
		return nil, "", err
	}
	key := hc.User + "@" + hc.HostName + ":" + strconv.Itoa(hc.Port)
	if len(hc.ProxyJump) > 0 {
		key += " via " + fmt.Sprint(hc.ProxyJump)
	}
	return hc, key, nil
}

// Acquire returns the live host for u, dialing it if needed, and a release function
// to call when done with it.
func (p *Pool) Acquire(ctx context.Context, u url.URL) (*Host, func(), error) {
	key, dial, err := hostKey(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	for {
		p.mu.Lock()
		e := p.hosts[key]
		if e != nil && e.host != nil {
			select {
			case <-e.host.Dead():
				delete(p.hosts, key)
				e = nil
			default:
			}
		}
		if e == nil {
			e = &poolEntry{ready: make(chan struct{})}
			p.hosts[key] = e
			e.refs++
			p.mu.Unlock()
			prompter, ok := ssh.PrompterFrom(ctx)
			if !ok {
				p.mu.Lock()
				prompter = p.fallback
				p.mu.Unlock()
			}
			h, err := p.connect(ctx, dial, key, prompter)
			p.mu.Lock()
			e.host, e.err = h, err
			close(e.ready)
			if err != nil {
				delete(p.hosts, key)
				p.mu.Unlock()
				return nil, nil, err
			}
			p.mu.Unlock()
			return h, p.releaser(key, e), nil
		}
		e.refs++
		if e.idle != nil {
			e.idle.Stop()
			e.idle = nil
		}
		p.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			p.release(key, e)
			return nil, nil, ctx.Err()
		}
		if e.err != nil {
			p.release(key, e)
			continue // the dial others waited on failed; try ourselves
		}
		return e.host, p.releaser(key, e), nil
	}
}

// connect dials a host and starts its agent.
func (p *Pool) connect(ctx context.Context, dial func(context.Context, ssh.Prompter) (link, error), key string, prompter ssh.Prompter) (*Host, error) {
	id, err := p.bundle.ID()
	if err != nil {
		return nil, err
	}
	l, err := dial(ctx, prompter)
	if err != nil {
		return nil, err
	}
	return connect(ctx, l, key, id, p.bundle)
}

func (p *Pool) releaser(key string, e *poolEntry) func() {
	var once sync.Once
	return func() { once.Do(func() { p.release(key, e) }) }
}

func (p *Pool) release(key string, e *poolEntry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e.refs--
	if e.refs > 0 || e.host == nil {
		return
	}
	e.idle = time.AfterFunc(idleClose, func() {
		p.mu.Lock()
		if e.refs > 0 {
			p.mu.Unlock()
			return
		}
		if p.hosts[key] == e {
			delete(p.hosts, key)
		}
		p.mu.Unlock()
		e.host.Close()
	})
}

// Close closes every connection.
func (p *Pool) Close() {
	p.mu.Lock()
	entries := p.hosts
	p.hosts = map[string]*poolEntry{}
	p.mu.Unlock()
	for _, e := range entries {
		if e.host != nil {
			e.host.Close()
		}
	}
}
