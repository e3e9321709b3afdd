package ssh_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/transport/ssh/sshdtest"
)

// A host that stops answering while the TCP connection stays up is given up by
// default keepalives (the config sets no ServerAliveInterval), and Wait says why.
func TestKeepAliveByDefaultDetectsFrozenHost(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{SetEnv: true})
	p := sshdtest.StartProxy(t, s.Addr())
	s.AddProxyAlias("frozen", p)
	c, err := dial(t, "frozen", nil)
	require.NoError(t, err)
	echo(t, c)

	p.Freeze()
	waited := make(chan error, 1)
	go func() { waited <- c.Wait() }()
	select {
	case err := <-waited:
		require.ErrorContains(t, err, "keepalives unanswered")
		require.ErrorContains(t, err, "frozen")
	case <-time.After(2 * time.Minute): // a bound for failure only
		t.Fatal("the connection through a frozen path was never given up")
	}
}
