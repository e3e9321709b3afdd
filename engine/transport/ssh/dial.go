package ssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// maxJumpDepth bounds nested ProxyJump settings (a jump host whose own
// config names a jump host ...), which could otherwise loop.
const maxJumpDepth = 8

// clientVersion is the SSH identification string ferry sends.
const clientVersion = "SSH-2.0-ferry"

// Target names a host to dial as a sync URL gives it.
type Target struct {
	// Host is an ssh-config alias, a host name or an address (IPv6
	// without brackets).
	Host string
	// User overrides the configured user; "" keeps it.
	User string
	// Port overrides the configured port; 0 keeps it.
	Port int
}

// Dial resolves target's ssh settings with Resolve (default options) and
// connects with DialConfig.
func Dial(ctx context.Context, target Target, p Prompter) (*gossh.Client, error) {
	hc, err := Resolve(ctx, target.Host, ResolveOptions{User: target.User, Port: target.Port})
	if err != nil {
		return nil, err
	}
	return DialConfig(ctx, hc, p)
}

// DialConfig connects to the host hc describes, through its ProxyJump
// hosts, verifies its host key and authenticates. p may be nil (see
// Prompter). Cancelling ctx abandons the attempt; once DialConfig has
// returned, ctx no longer matters. The returned client closes its jump
// host connections when it closes, and closes itself when the host stops
// answering: after ServerAliveCountMax unanswered keepalives sent every
// ServerAliveInterval (2 s and 3 when the config sets no interval); its Wait
// then returns an error that says so.
func DialConfig(ctx context.Context, hc *HostConfig, p Prompter) (*gossh.Client, error) {
	return dialHost(ctx, hc, p, 0)
}

func dialHost(ctx context.Context, hc *HostConfig, p Prompter, depth int) (*gossh.Client, error) {
	if hc.ProxyCommand != "" {
		return nil, configError("%s sets ProxyCommand (%s) for %s, which ferry does not run; use ProxyJump instead", displayFile(hc.ConfigFile), hc.ProxyCommand, hc.Alias)
	}
	if len(hc.ProxyJump) == 0 {
		conn, err := dialTCP(ctx, hc)
		if err != nil {
			return nil, err
		}
		return handshake(ctx, conn, hc, p, nil)
	}
	if depth >= maxJumpDepth {
		return nil, configError("ProxyJump for %s nests more than %d jump hosts; check %s for a loop", hc.Alias, maxJumpDepth, displayFile(hc.ConfigFile))
	}
	jumps, err := dialJumps(ctx, hc, p, depth)
	if err != nil {
		return nil, err
	}
	last := jumps[len(jumps)-1]
	conn, err := last.DialContext(ctx, "tcp", hc.Address())
	if err != nil {
		closeAll(jumps)
		return nil, newError(ErrUnreachable, err, "cannot reach %s (%s) through jump host %s: %v; check that %s can connect to it",
			hc.Alias, hc.Address(), hc.ProxyJump[len(hc.ProxyJump)-1], err, hc.ProxyJump[len(hc.ProxyJump)-1])
	}
	return handshake(ctx, conn, hc, p, jumps)
}

// dialJumps connects to the jump hosts of hc in order, each through the one
// before. The first hop's own ProxyJump setting is honoured; later hops are
// reached through the list, as OpenSSH does.
func dialJumps(ctx context.Context, hc *HostConfig, p Prompter, depth int) ([]*gossh.Client, error) {
	var clients []*gossh.Client
	for i, hop := range hc.ProxyJump {
		opts := hc.resolve
		opts.User, opts.Port = hop.User, hop.Port
		hopCfg, err := Resolve(ctx, hop.Host, opts)
		var c *gossh.Client
		if err == nil && i == 0 {
			c, err = dialHost(ctx, hopCfg, p, depth+1)
		} else if err == nil {
			hopCfg.ProxyJump = nil
			var conn net.Conn
			conn, err = clients[i-1].DialContext(ctx, "tcp", hopCfg.Address())
			if err != nil {
				err = newError(ErrUnreachable, err, "jump host %s cannot reach %s (%s): %v", hc.ProxyJump[i-1], hop, hopCfg.Address(), err)
			} else {
				c, err = handshake(ctx, conn, hopCfg, p, nil)
			}
		}
		if err != nil {
			closeAll(clients)
			return nil, fmt.Errorf("jump host %s for %s: %w", hop, hc.Alias, err)
		}
		clients = append(clients, c)
	}
	return clients, nil
}

func closeAll(clients []*gossh.Client) {
	for i := len(clients) - 1; i >= 0; i-- {
		clients[i].Close()
	}
}

// dialTCP opens the TCP connection, within ConnectTimeout.
func dialTCP(ctx context.Context, hc *HostConfig) (net.Conn, error) {
	d := net.Dialer{Timeout: hc.ConnectTimeout}
	conn, err := d.DialContext(ctx, "tcp", hc.Address())
	if err == nil {
		return conn, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("connecting to %s (%s): %w", hc.Alias, hc.Address(), ctx.Err())
	}
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr):
		return nil, newError(ErrUnreachable, err, "cannot reach %s: the host name %q does not resolve (%v); check HostName for %s in %s",
			hc.Alias, hc.HostName, dnsErr.Err, hc.Alias, displayFile(hc.ConfigFile))
	case errors.Is(err, syscall.ECONNREFUSED):
		return nil, newError(ErrUnreachable, err, "cannot reach %s (%s): connection refused; check that sshd runs there and listens on port %d",
			hc.Alias, hc.Address(), hc.Port)
	case errors.As(err, &netErr) && netErr.Timeout():
		return nil, newError(ErrUnreachable, err, "cannot reach %s (%s): no answer within %v (ConnectTimeout); check the host name, the port and your network",
			hc.Alias, hc.Address(), hc.ConnectTimeout)
	}
	return nil, newError(ErrUnreachable, err, "cannot reach %s (%s): %v; check the host name, the port and your network", hc.Alias, hc.Address(), err)
}

// handshake runs the SSH handshake on conn. It owns conn and jumps: on
// failure it closes them, on success the client closes them when it ends.
func handshake(ctx context.Context, conn net.Conn, hc *HostConfig, p Prompter, jumps []*gossh.Client) (client *gossh.Client, err error) {
	defer func() {
		if err != nil {
			conn.Close()
			closeAll(jumps)
		}
	}()
	v, err := newHostKeyVerifier(ctx, hc, p)
	if err != nil {
		return nil, err
	}
	algorithms := hostKeyAlgorithms(v.knownKeys(), hc.HostKeyAlgorithms)
	if len(algorithms) == 0 {
		return nil, configError("none of the HostKeyAlgorithms for %s (%s) is one ferry supports; allow ssh-ed25519, ecdsa-sha2-nistp256 or rsa-sha2-256",
			hc.Alias, strings.Join(hc.HostKeyAlgorithms, ","))
	}
	auth := setupAuth(ctx, hc, p)
	defer auth.close()

	// ConnectTimeout covers the handshake up to host key verification;
	// the user's answers to prompts are not timed.
	if hc.ConnectTimeout > 0 {
		_ = conn.SetDeadline(time.Now().Add(hc.ConnectTimeout))
	}
	v.beforeCheck = func() { _ = conn.SetDeadline(time.Time{}) }
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	live := &liveConn{Conn: conn}
	c, chans, reqs, err := gossh.NewClientConn(live, hc.Address(), &gossh.ClientConfig{
		User:              hc.User,
		Auth:              auth.methods,
		HostKeyCallback:   v.callback,
		HostKeyAlgorithms: algorithms,
		ClientVersion:     clientVersion,
	})
	if !stop() && err == nil {
		c.Close()
		err = ctx.Err()
	}
	if err != nil {
		return nil, handshakeError(ctx, hc, v, auth, err)
	}
	_ = conn.SetDeadline(time.Time{})
	client = gossh.NewClient(c, chans, reqs)
	done := make(chan struct{})
	go func() {
		client.Wait()
		closeAll(jumps)
		close(done)
	}()
	interval, count := keepAliveSettings(hc)
	go keepAlive(client, live, fmt.Sprintf("%s (%s)", hc.Alias, hc.Address()), interval, count, done)
	return client, nil
}

// handshakeError turns a failed handshake into an error of one kind.
func handshakeError(ctx context.Context, hc *HostConfig, v *hostKeyVerifier, auth *authSetup, err error) error {
	var netErr net.Error
	switch {
	case v.err != nil:
		return v.err
	case ctx.Err() != nil:
		return fmt.Errorf("connecting to %s (%s): %w", hc.Alias, hc.Address(), ctx.Err())
	case strings.Contains(err.Error(), "unable to authenticate") || errors.As(err, new(*promptError)):
		return auth.failure(hc, err)
	case errors.As(err, &netErr) && netErr.Timeout():
		return newError(ErrUnreachable, err, "%s (%s) did not complete the SSH handshake within %v (ConnectTimeout); is it an SSH server?",
			hc.Alias, hc.Address(), hc.ConnectTimeout)
	case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
		return newError(ErrUnreachable, err, "%s (%s) closed the connection during the SSH handshake; check that sshd runs there, and its log for why it refused ferry",
			hc.Alias, hc.Address())
	}
	return newError(ErrUnreachable, err, "SSH handshake with %s (%s) failed: %v", hc.Alias, hc.Address(), err)
}
