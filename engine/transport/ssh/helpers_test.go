package ssh_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	gossh "golang.org/x/crypto/ssh"

	"github.com/ferrysync/ferry/engine/transport/ssh"
)

// fakePrompter answers prompts from a script and records them.
type fakePrompter struct {
	accept  bool     // the answer to ConfirmHostKey
	answers []string // answers to Secret, in order; an error once used up

	mu       sync.Mutex
	hostKeys []ssh.HostKeyPrompt
	secrets  []ssh.SecretPrompt
}

var errNoAnswer = errors.New("fake prompter: no answer left")

func (f *fakePrompter) ConfirmHostKey(_ context.Context, p ssh.HostKeyPrompt) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hostKeys = append(f.hostKeys, p)
	return f.accept, nil
}

func (f *fakePrompter) Secret(_ context.Context, p ssh.SecretPrompt) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets = append(f.secrets, p)
	if len(f.answers) == 0 {
		return "", errNoAnswer
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	return a, nil
}

// dial dials alias with a 30 s bound; p is nil or a *fakePrompter.
func dial(t *testing.T, alias string, p ssh.Prompter) (*gossh.Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := ssh.Dial(ctx, ssh.Target{Host: alias}, p)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// echo runs "echo hi" on c.
func echo(t *testing.T, c *gossh.Client) {
	t.Helper()
	sess, err := c.NewSession()
	require.NoError(t, err)
	defer sess.Close()
	out, err := sess.CombinedOutput("echo hi")
	require.NoError(t, err, "%s", out)
	require.Equal(t, "hi\n", string(out))
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(data)
}

func appendToFile(t *testing.T, name, text string) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	require.NoError(t, err)
	_, err = f.WriteString(text)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// relay forwards TCP connections to target until frozen; then it holds
// every byte, as a dead network path would.
type relay struct {
	ln     net.Listener
	target string
	frozen chan struct{}
	stop   chan struct{}
	once   sync.Once
}

func startRelay(t *testing.T, target string) *relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &relay{ln: ln, target: target, frozen: make(chan struct{}), stop: make(chan struct{})}
	t.Cleanup(func() {
		close(r.stop)
		ln.Close()
	})
	go r.serve()
	return r
}

func (r *relay) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

func (r *relay) freeze() { r.once.Do(func() { close(r.frozen) }) }

func (r *relay) serve() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", r.target)
		if err != nil {
			c.Close()
			continue
		}
		go r.pipe(c, s)
		go r.pipe(s, c)
	}
}

func (r *relay) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		select {
		case <-r.frozen:
			<-r.stop
			return
		default:
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

// silentListener accepts connections and never says a word.
func silentListener(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns []net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go io.Copy(io.Discard, c)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// closedPort is a 127.0.0.1 port on which nothing listens.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}
