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

// Pool shares one Host per user@host:port.
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

// Target is where a URL's host lives after ssh config resolution.
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
	hc, key, err := resolve(ctx, u)
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
			h, err := connect(ctx, hc, key, prompter, p.bundle)
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
