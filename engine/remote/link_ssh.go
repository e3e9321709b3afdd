package remote

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/ferrysync/ferry/engine/transport/ssh"
)

// sshLink reaches a host over one SSH connection: commands and the agent run in
// sessions of their own, the agent is installed by SFTP.
type sshLink struct {
	alias  string
	client *gossh.Client
	fs     *sftp.Client // open from locate to setupDone
}

// dialSSH opens the SSH connection to hc.
func dialSSH(ctx context.Context, hc *ssh.HostConfig, p ssh.Prompter) (*sshLink, error) {
	client, err := ssh.DialConfig(ctx, hc, p)
	if err != nil {
		return nil, err
	}
	return &sshLink{alias: hc.Alias, client: client}, nil
}

func (l *sshLink) name() string { return l.alias }

func (l *sshLink) identity() string { return "" }

// locate finds the remote home by SFTP, which also tells a Windows host (see
// probe.go).
func (l *sshLink) locate(ctx context.Context, id string) (target, error) {
	fs, err := sftp.NewClient(l.client)
	if err != nil {
		return target{}, fmt.Errorf("%s: opening the SFTP subsystem to install the agent: %v; enable \"Subsystem sftp\" in the server's sshd_config", l.alias, err)
	}
	l.fs = fs
	home, err := fs.Getwd()
	if err != nil {
		return target{}, fmt.Errorf("%s: finding the remote home directory: %w", l.alias, err)
	}
	t, err := locate(l.client, home, id)
	if err != nil {
		return target{}, fmt.Errorf("%s: %w", l.alias, err)
	}
	return t, nil
}

func (l *sshLink) setupDone() {
	if l.fs != nil {
		l.fs.Close()
		l.fs = nil
	}
}

func (l *sshLink) run(ctx context.Context, cmd string) (string, error) { return run(l.client, cmd) }

func (l *sshLink) install(ctx context.Context, local string, t target) error {
	return upload(ctx, l.fs, local, t.path)
}

// start runs the agent in a session of its own, with the command line the host's
// shell needs (see target.command).
func (l *sshLink) start(ctx context.Context, t target, args []string) (*process, error) {
	sess, err := l.client.NewSession()
	if err != nil {
		return nil, fmt.Errorf("opening a session: %w", err)
	}
	stdin, err1 := sess.StdinPipe()
	stdout, err2 := sess.StdoutPipe()
	stderr := &tail{max: 4096}
	sess.Stderr = stderr
	if err := errors.Join(err1, err2); err != nil {
		sess.Close()
		return nil, err
	}
	if err := sess.Start(t.command(args...)); err != nil {
		sess.Close()
		return nil, fmt.Errorf("starting the agent: %w", err)
	}
	return &process{stdin: stdin, stdout: stdout, stderr: stderr, close: sess.Close}, nil
}

func (l *sshLink) wait() error {
	err := l.client.Wait()
	if err == nil {
		err = errors.New("the SSH connection closed")
	}
	return err
}

func (l *sshLink) close() error {
	l.setupDone()
	return l.client.Close()
}

// upload copies local to remote through a temporary name, so a failure leaves nothing
// half-written at remote.
func upload(ctx context.Context, fs *sftp.Client, local, remote string) error {
	dir := path.Dir(remote)
	if err := fs.MkdirAll(dir); err != nil {
		return err
	}
	fs.Chmod(path.Dir(path.Dir(path.Dir(remote))), 0o700) // ~/.ferry
	in, err := os.Open(local)
	if err != nil {
		return err
	}
	defer in.Close()
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := path.Join(dir, ".ferry-agent.tmp-"+hex.EncodeToString(rnd[:]))
	out, err := fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, ctxReader{ctx, in})
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fs.Chmod(tmp, 0o755)
	}
	if err == nil {
		if err = fs.PosixRename(tmp, remote); err != nil {
			fs.Remove(remote)
			err = fs.Rename(tmp, remote)
		}
	}
	if err != nil {
		fs.Remove(tmp)
		if strings.Contains(strings.ToLower(err.Error()), "no space") || strings.Contains(err.Error(), "SSH_FX_FAILURE") {
			err = fmt.Errorf("%w (is the remote disk full? the agent needs about 10 MB in ~/.ferry)", err)
		}
		return err
	}
	return nil
}

// run runs a command and returns its output.
func run(client *gossh.Client, cmd string) (string, error) {
	sess, err := client.NewSession()
	if err != nil {
		return "", err
	}
	defer sess.Close()
	var stderr tail
	stderr.max = 1024
	sess.Stderr = &stderr
	out, err := sess.Output(cmd)
	if err != nil {
		if msg := stderr.String(); msg != "" {
			return "", fmt.Errorf("%v: %s", err, msg)
		}
		return "", err
	}
	return string(out), nil
}
