package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/engine/transport/ssh"
	"github.com/ferrysync/ferry/protocol"
)

// ErrRunning is returned by Run when another daemon holds the data directory.
var ErrRunning = errors.New("a ferry daemon is already running for this data directory")

// Daemon is a running daemon.
type Daemon struct {
	dir      string
	lock     *os.File
	ln       net.Listener
	m        *session.Manager
	f        *forward.Manager
	srv      *Server
	stopOnce sync.Once
	closing  chan struct{} // closed when Shutdown begins
	stopped  chan struct{} // closed when it has ended
	wg       sync.WaitGroup
}

// Engine lists how the daemon reaches endpoints: the sync transports, the sides of
// forwards, and the port lister of SSH hosts.
type Engine struct {
	Sync          session.Transports
	ForwardLocal  forward.SideOpener
	ForwardRemote forward.SideOpener
	RemotePorts   PortLister
}

// Listen takes the data directory's lock, loads the sessions and listens on the socket.
func Listen(dir string, engine Engine) (*Daemon, error) {
	if err := EnsureDataDir(dir); err != nil {
		return nil, err
	}
	lock, err := lockFile(filepath.Join(dir, lockName))
	if err != nil {
		return nil, err
	}
	sock := SocketPath(dir)
	// Holding the lock, any socket file left is stale.
	if err := os.Remove(sock); err != nil && !errors.Is(err, fs.ErrNotExist) {
		lock.Close()
		return nil, fmt.Errorf("removing the stale socket: %w", err)
	}
	ln, err := listenSocket(sock)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("listening on %s: %w", sock, err)
	}
	var srv atomic.Pointer[Server]
	logger := func(level session.Level, id, msg string) {
		log.Printf("%s %s", strings.ToUpper(level.String()), msg)
		if s := srv.Load(); s != nil {
			s.broadcastLog(level, id, msg)
		}
	}
	m, err := session.NewManager(dir, engine.Sync, logger)
	if err != nil {
		ln.Close()
		lock.Close()
		return nil, fmt.Errorf("loading sessions: %w", err)
	}
	if engine.ForwardLocal == nil {
		engine.ForwardLocal = forward.OpenLocal
	}
	f, err := forward.NewManager(dir, engine.ForwardLocal, engine.ForwardRemote, func(level, id, msg string) {
		l, _ := session.ParseLevel(level)
		logger(l, id, msg)
	})
	if err != nil {
		m.Close()
		ln.Close()
		lock.Close()
		return nil, fmt.Errorf("loading forwards: %w", err)
	}
	d := &Daemon{dir: dir, lock: lock, ln: ln, m: m, f: f, closing: make(chan struct{}), stopped: make(chan struct{})}
	d.srv = New(m, f, engine.RemotePorts, d.Shutdown)
	srv.Store(d.srv)
	return d, nil
}

// Serve accepts connections until Stop or Shutdown is called. Cancelling ctx does
// not end the connections (a signal's context must not cut them before Shutdown has
// told the clients why).
func (d *Daemon) Serve(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	defer d.Stop()
	for {
		conn, err := d.ln.Accept()
		if err != nil {
			select {
			case <-d.closing:
				d.wg.Wait()
				return nil
			default:
			}
			return err
		}
		if err := checkPeer(conn); err != nil {
			log.Printf("refused a connection: %v", err)
			go refuse(conn, err)
			continue
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.srv.ServeConn(ctx, conn)
		}()
	}
}

// Stop stops the daemon without telling clients why (see Shutdown).
func (d *Daemon) Stop() { d.Shutdown(protocol.DaemonStopping{}) }

// Shutdown stops the daemon on purpose: every client is sent daemon/stopping with
// info (unless info.Reason is empty) and requests get CodeShuttingDown from then on;
// then it stops accepting, stops every session and forward, lets the requests that
// were running reply, disconnects the clients and releases the lock. Later calls wait
// for the first to finish.
func (d *Daemon) Shutdown(info protocol.DaemonStopping) {
	d.stopOnce.Do(func() {
		if info.Reason != "" {
			log.Printf("stopping: %s", DescribeStop(info))
			d.srv.Announce(info)
		} else {
			d.srv.markStopping(info)
		}
		close(d.closing)
		d.ln.Close()
		d.m.Close()
		d.f.Close()
		d.srv.Close()
		os.Remove(SocketPath(d.dir))
		d.lock.Close()
		close(d.stopped)
	})
}

// DescribeStop says in words why the daemon stops.
func DescribeStop(info protocol.DaemonStopping) string {
	if info.Client != "" {
		return info.Reason + " by " + info.Client
	}
	return info.Reason
}

// Prompter asks the most recently connected client that can prompt.
func (d *Daemon) Prompter() ssh.Prompter { return d.srv.Prompter() }

// Done is closed when the daemon has stopped.
func (d *Daemon) Done() <-chan struct{} { return d.stopped }
