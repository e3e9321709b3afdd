package sshdtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// startTimeout bounds how long sshd may take to say it is listening.
const startTimeout = 15 * time.Second

// process is one run of sshd.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd.Wait returns
	logsIn chan struct{} // closed when its output pipe is drained
}

// errBind reports that sshd could not bind its port.
var errBind = errors.New("port in use")

func isBindError(err error) bool { return errors.Is(err, errBind) }

// start runs sshd and waits until it listens. It is a no-op if sshd runs.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return nil
	}
	args := []string{SSHDPath, "-D", "-e", "-f", s.sshdConfig}
	var mounts []string
	if s.shadow != "" {
		mounts = append(mounts, fmt.Sprintf("mount --bind '%s' /etc/shadow", s.shadow))
	}
	if s.passwd != "" {
		mounts = append(mounts, fmt.Sprintf("mount --bind '%s' /etc/passwd", s.passwd))
	}
	if s.opts.RemoteHomeSize != "" {
		mounts = append(mounts, fmt.Sprintf("mount -t tmpfs -o size=%s,mode=0755 tmpfs '%s'", s.opts.RemoteHomeSize, s.remoteHome))
	}
	if len(mounts) > 0 {
		// A private mount namespace in which our files stand in for the system's; see
		// the package documentation.
		script := strings.Join(mounts, " && ") + ` || exit 97; exec "$@"`
		args = append([]string{"unshare", "--mount", "--propagation", "private", "--",
			"/bin/sh", "-c", script, "sh"}, args...)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = pw, pw
	mark := s.logs.len()
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return fmt.Errorf("starting sshd: %w", err)
	}
	pw.Close()
	p := &process{cmd: cmd, exited: make(chan struct{}), logsIn: make(chan struct{})}
	go func() {
		s.logs.readFrom(pr)
		close(p.logsIn)
	}()
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	ready := fmt.Sprintf("Server listening on 127.0.0.1 port %d.", s.port)
	if err := s.logs.waitFor(mark, ready, p, startTimeout); err != nil {
		signalAll(p, syscall.SIGKILL)
		<-p.exited
		log := s.logs.since(mark)
		if strings.Contains(log, "Address already in use") || strings.Contains(log, "Cannot bind any address") {
			err = fmt.Errorf("%w: %w", errBind, err)
		}
		return fmt.Errorf("sshd on 127.0.0.1:%d did not start: %w\nsshd log:\n%s", s.port, err, log)
	}
	s.proc = p
	return nil
}

// stop ends sshd and its connections with SIGTERM, or SIGKILL if kill.
func (s *Server) stop(kill bool) error {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	signalAll(p, sig)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		signalAll(p, syscall.SIGKILL)
		<-p.exited
		return fmt.Errorf("sshd (pid %d) ignored %v for 10s and was killed", p.cmd.Process.Pid, sig)
	}
	return nil
}

// signalAll signals sshd's connection processes, then sshd itself.
func signalAll(p *process, sig syscall.Signal) {
	pid := p.cmd.Process.Pid
	for _, child := range descendants(pid) {
		_ = syscall.Kill(child, sig)
	}
	_ = p.cmd.Process.Signal(sig)
}
