package forward

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
	"time"
)

// Conn is a connection whose write side can be closed on its own (half-close).
type Conn interface {
	net.Conn
	CloseWrite() error
}

// Listener accepts connections.
type Listener interface {
	Accept() (Conn, error)
	Close() error
}

// ListenOptions configure a listener.
type ListenOptions struct {
	// SocketMode is a unix socket's permission bits (0 means 0600).
	SocketMode fs.FileMode
	// SocketOverwrite replaces an existing file at a unix socket's path.
	SocketOverwrite bool
}

// Side is where a forward listens or dials: this machine or an SSH host.
//
// Listen and Dial may be called from any goroutine. Dead is closed when the side can
// no longer be used (its connection failed, for instance its host stopped answering
// keepalives); Err then says why (nil before). Close releases it.
type Side interface {
	Listen(ctx context.Context, a Address, opts ListenOptions) (Listener, error)
	Dial(ctx context.Context, a Address) (Conn, error)
	Dead() <-chan struct{}
	Err() error
	Close() error
}

// SideOpener opens the side for an address's host (Address.Host.Host is "" for this
// machine).
type SideOpener func(ctx context.Context, a Address) (Side, error)

// dialTimeout bounds dialing a destination.
const dialTimeout = 15 * time.Second

// Local is this machine.
type Local struct{}

// OpenLocal is the SideOpener for this machine.
func OpenLocal(context.Context, Address) (Side, error) { return Local{}, nil }

// Dead implements Side: this machine is always reachable.
func (Local) Dead() <-chan struct{} { return nil }

// Err implements Side.
func (Local) Err() error { return nil }

// Close implements Side.
func (Local) Close() error { return nil }

// Dial implements Side.
func (Local) Dial(ctx context.Context, a Address) (Conn, error) {
	return DialLocal(ctx, a.Network, a.Addr)
}

// DialLocal dials a TCP address or unix socket on this machine.
func DialLocal(ctx context.Context, network, addr string) (Conn, error) {
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("dialing %s:%s: %w", network, addr, cause(err))
	}
	return c.(Conn), nil
}

// Listen implements Side.
func (Local) Listen(_ context.Context, a Address, opts ListenOptions) (Listener, error) {
	return ListenLocal(a.Network, a.Addr, opts)
}

// ListenLocal listens on a TCP address or unix socket on this machine.
func ListenLocal(network, addr string, opts ListenOptions) (Listener, error) {
	if network == "unix" {
		return listenUnix(addr, opts)
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, listenError(network, addr, err)
	}
	return tcpListener{ln.(*net.TCPListener)}, nil
}

func listenError(network, addr string, err error) error {
	err = cause(err)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("cannot listen on %s:%s: the address is already in use; stop what listens there or choose another port", network, addr)
	case errors.Is(err, syscall.EACCES) || errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot listen on %s:%s: permission denied (ports below 1024 need privileges)", network, addr)
	}
	return fmt.Errorf("cannot listen on %s:%s: %w", network, addr, err)
}

type tcpListener struct{ *net.TCPListener }

func (l tcpListener) Accept() (Conn, error) { return l.AcceptTCP() }

// unixListener removes its socket file when closed.
type unixListener struct {
	*net.UnixListener
	path string
}

func (l unixListener) Accept() (Conn, error) { return l.AcceptUnix() }

func (l unixListener) Close() error {
	err := l.UnixListener.Close()
	os.Remove(l.path)
	return err
}

func listenUnix(path string, opts ListenOptions) (Listener, error) {
	if info, err := os.Lstat(path); err == nil {
		if !opts.SocketOverwrite {
			what := "a file"
			if info.Mode()&fs.ModeSocket != 0 {
				what = "a socket"
			}
			return nil, fmt.Errorf("cannot listen on unix:%s: %s exists there; remove it, or pass --socket-overwrite to replace it", path, what)
		}
		if info.IsDir() {
			return nil, fmt.Errorf("cannot listen on unix:%s: it is a directory", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("cannot replace %s: %w", path, err)
		}
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, listenError("unix", path, err)
	}
	ln.SetUnlinkOnClose(false)
	mode := opts.SocketMode
	if mode == 0 {
		mode = 0o600
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		os.Remove(path)
		return nil, fmt.Errorf("setting the mode of %s: %w", path, err)
	}
	return unixListener{ln, path}, nil
}

// cause strips net.OpError and os.SyscallError wrappers for shorter messages.
func cause(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		err = oe.Err
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		err = se.Err
	}
	return err
}
