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
	stopped  chan struct{}
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
	if err := ensureDataDir(dir); err != nil {
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
	d := &Daemon{dir: dir, lock: lock, ln: ln, m: m, f: f, stopped: make(chan struct{})}
	d.srv = New(m, f, engine.RemotePorts, d.Stop)
	srv.Store(d.srv)
	return d, nil
}

// Serve accepts connections until Stop is called.
func (d *Daemon) Serve(ctx context.Context) error {
	defer d.Stop()
	for {
		conn, err := d.ln.Accept()
		if err != nil {
			select {
			case <-d.stopped:
				d.wg.Wait()
				return nil
			default:
			}
			return err
		}
		if err := checkPeer(conn); err != nil {
			log.Printf("refused a connection: %v", err)
			conn.Close()
			continue
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.srv.ServeConn(ctx, conn)
		}()
	}
}

// Stop stops accepting, disconnects clients, stops every session and releases the lock.
func (d *Daemon) Stop() {
	d.stopOnce.Do(func() {
		close(d.stopped)
		d.ln.Close()
		d.srv.Close()
		d.m.Close()
		d.f.Close()
		os.Remove(SocketPath(d.dir))
		d.lock.Close()
	})
}

// Prompter asks the most recently connected client that can prompt.
func (d *Daemon) Prompter() ssh.Prompter { return d.srv.Prompter() }

// Done is closed when the daemon has stopped.
func (d *Daemon) Done() <-chan struct{} { return d.stopped }
