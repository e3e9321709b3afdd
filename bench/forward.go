package bench

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Service is what the forwards reach, on 127.0.0.1. Its hello port writes one byte as
// soon as it accepts a connection (a server that speaks first). Its data port reads a
// one-byte operation, then:
//
//	'P':   writes one byte back (a request and its response)
//	'U' n: reads n bytes, then writes one byte (the acknowledgement)
//	'D' n: writes n bytes, then closes
//	'S' i: counts what it reads as stream i, until EOF
//
// where n and i are 8-byte big-endian numbers following the operation.
type Service struct {
	hello, data net.Listener

	mu         sync.Mutex
	streams    []atomic.Int64
	registered atomic.Int64
}

// StartService listens on two free 127.0.0.1 ports.
func StartService() (*Service, error) {
	hello, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	data, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		hello.Close()
		return nil, err
	}
	s := &Service{hello: hello, data: data}
	go s.accept(hello, func(c net.Conn) { c.Write([]byte{'!'}); io.Copy(io.Discard, c) })
	go s.accept(data, s.serveData)
	return s, nil
}

// HelloAddr and DataAddr are the service's two addresses.
func (s *Service) HelloAddr() string { return s.hello.Addr().String() }
func (s *Service) DataAddr() string  { return s.data.Addr().String() }

// Close stops accepting.
func (s *Service) Close() { s.hello.Close(); s.data.Close() }

func (s *Service) accept(ln net.Listener, handle func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			handle(c)
		}()
	}
}

func (s *Service) serveData(c net.Conn) {
	var hdr [9]byte
	if _, err := io.ReadFull(c, hdr[:1]); err != nil {
		return
	}
	if hdr[0] == 'P' {
		c.Write([]byte{'!'})
		io.Copy(io.Discard, c)
		return
	}
	if _, err := io.ReadFull(c, hdr[1:]); err != nil {
		return
	}
	arg := int64(binary.BigEndian.Uint64(hdr[1:]))
	buf := make([]byte, 256<<10)
	switch hdr[0] {
	case 'U':
		if n, _ := io.CopyBuffer(io.Discard, io.LimitReader(c, arg), buf); n == arg {
			c.Write([]byte{'K'})
		}
	case 'D':
		io.CopyBuffer(c, io.LimitReader(randomReader(uint64(arg)), arg), buf)
	case 'S':
		s.mu.Lock()
		if arg < 0 || arg >= int64(len(s.streams)) {
			s.mu.Unlock()
			return
		}
		counter := &s.streams[arg]
		s.mu.Unlock()
		s.registered.Add(1)
		for {
			n, err := c.Read(buf)
			counter.Add(int64(n))
			if err != nil {
				return
			}
		}
	}
}

// A Tunnel reaches the Service from local ports: a ferry forward or ssh -L.
type Tunnel struct {
	Name        string // the row's name: "ferry" or "ssh -L"
	Hello, Data string // local addresses reaching the service's ports
	close       func() error
}

// Close stops the tunnel.
func (t *Tunnel) Close() error { return t.close() }

// FerryTunnel creates two forwards on f's daemon to the service through the host.
func (e *Env) FerryTunnel(f *Ferry, svc *Service) (*Tunnel, error) {
	t := &Tunnel{Name: "ferry"}
	var names []string
	for _, fw := range []struct {
		name, target string
		local        *string
	}{{"fwd-hello", svc.HelloAddr(), &t.Hello}, {"fwd-data", svc.DataAddr(), &t.Data}} {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		*fw.local = fmt.Sprintf("127.0.0.1:%d", port)
		if _, err := f.CLI("forward", "create", "--name", fw.name, "tcp:"+*fw.local, e.Host+":tcp:"+fw.target); err != nil {
			return nil, err
		}
		names = append(names, fw.name)
	}
	t.close = func() error {
		_, err := f.CLI(append([]string{"forward", "terminate"}, names...)...)
		return err
	}
	return t, t.waitReady()
}

// SSHTunnel runs `ssh -N -L` with two forwards to the service through the host.
func (e *Env) SSHTunnel(svc *Service) (*Tunnel, error) {
	t := &Tunnel{Name: "ssh -L"}
	args := append(e.sshArgs(), "-N", "-o", "ExitOnForwardFailure=yes")
	for _, fw := range []struct {
		target string
		local  *string
	}{{svc.HelloAddr(), &t.Hello}, {svc.DataAddr(), &t.Data}} {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		*fw.local = fmt.Sprintf("127.0.0.1:%d", port)
		args = append(args, "-L", *fw.local+":"+fw.target)
	}
	cmd := exec.Command("ssh", append(args, e.Host)...)
	cmd.Env = e.peerEnv()
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.close = func() error {
		cmd.Process.Kill()
		<-exited
		return nil
	}
	if err := t.waitReady(); err != nil {
		t.close()
		return nil, fmt.Errorf("%w: %s", err, out.String())
	}
	return t, nil
}

// waitReady waits until a connection through the tunnel reaches the service.
func (t *Tunnel) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := GreetingByte(t.Hello)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: the forward does not reach the service after 30 s: %w", t.Name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// FirstByte connects to the service's data port through addr, sends a one-byte
// request and reads the one-byte response: connect-to-first-byte latency for a
// protocol where the client speaks first (HTTP).
func FirstByte(addr string) (time.Duration, error) { return firstByte(addr, []byte{'P'}) }

// GreetingByte connects to the service's hello port through addr and reads the byte
// it writes on accept: connect-to-first-byte for a server that speaks first.
func GreetingByte(addr string) (time.Duration, error) { return firstByte(addr, nil) }

func firstByte(addr string, request []byte) (time.Duration, error) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(request); err != nil {
		return 0, err
	}
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// payload is what uploads send: random, so nothing on the way can compress it.
var payload = func() []byte {
	b := make([]byte, 256<<10)
	io.ReadFull(randomReader(5), b)
	return b
}()

// Upload sends n bytes to the service through addr and waits for its
// acknowledgement.
func Upload(addr string, n int64) (time.Duration, error) {
	start := time.Now()
	c, err := transfer(addr, 'U', n)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	w := bufio.NewWriterSize(c, len(payload))
	for left := n; left > 0; {
		k := min(left, int64(len(payload)))
		if _, err := w.Write(payload[:k]); err != nil {
			return 0, err
		}
		left -= k
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	var ack [1]byte
	if _, err := io.ReadFull(c, ack[:]); err != nil {
		return 0, fmt.Errorf("waiting for the acknowledgement: %w", err)
	}
	return time.Since(start), nil
}

// transfer connects to the service through addr and asks for a transfer of n bytes:
// op 'U' uploads them to it, 'D' downloads them from it.
func transfer(addr string, op byte, n int64) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(5 * time.Minute))
	var hdr [9]byte
	hdr[0] = op
	binary.BigEndian.PutUint64(hdr[1:], uint64(n))
	if _, err := c.Write(hdr[:]); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Download asks the service for n bytes through addr and reads them all.
func Download(addr string, n int64) (time.Duration, error) {
	start := time.Now()
	c, err := transfer(addr, 'D', n)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	got, err := io.CopyBuffer(io.Discard, c, make([]byte, 256<<10))
	if err == nil && got != n {
		err = fmt.Errorf("got %d of %d bytes", got, n)
	}
	return time.Since(start), err
}

// Parallel runs streams connections through addr that all write as fast as they
// can, and returns each one's rate (bytes/s, as the service counted them) over window,
// measured once every stream has reached the service (or 10 s have passed).
func (s *Service) Parallel(addr string, streams int, window time.Duration) ([]float64, error) {
	s.mu.Lock()
	s.streams = make([]atomic.Int64, streams)
	s.mu.Unlock()
	s.registered.Store(0)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	for i := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			go func() { <-stop; c.SetDeadline(time.Now()) }()
			var hdr [9]byte
			hdr[0] = 'S'
			binary.BigEndian.PutUint64(hdr[1:], uint64(i))
			if _, err := c.Write(hdr[:]); err != nil {
				errs <- err
				return
			}
			for {
				if _, err := c.Write(payload[:64<<10]); err != nil {
					select {
					case <-stop:
					default:
						errs <- err
					}
					return
				}
			}
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.registered.Load() < int64(streams) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	before := s.snapshot()
	time.Sleep(window)
	after := s.snapshot()
	close(stop)
	wg.Wait()
	close(errs)
	rates := make([]float64, streams)
	for i := range rates {
		rates[i] = float64(after[i]-before[i]) / window.Seconds()
	}
	return rates, <-errs
}

func (s *Service) snapshot() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int64, len(s.streams))
	for i := range s.streams {
		out[i] = s.streams[i].Load()
	}
	return out
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
