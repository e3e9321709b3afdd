package bench

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
)

// A copier is a tool that W1 and W2 time: it copies a local tree into an empty remote
// folder, and runs a pass with nothing changed over a copy it made.
type copier interface {
	name() string
	// initial copies src into dest, a path under RemoteHome that does not exist yet.
	initial(ctx context.Context, src, dest string) error
	// again runs a pass with nothing changed over dest; errNoAgain if the tool has none.
	again(ctx context.Context, src, dest string) error
	// check reports what is wrong with the tool's own state after a copy, untimed
	// (ferry: conflicts, problems); the files are verified separately.
	check(dest string) error
	// release undoes what initial set up besides the files (a ferry session).
	release(dest string) error
}

var errNoAgain = errors.New("no incremental pass")

// rsync is `rsync -a` over ssh, or with compress `rsync -az`.
type rsync struct {
	env      *Env
	compress bool
}

func (r rsync) name() string {
	if r.compress {
		return "rsync -az"
	}
	return "rsync -a"
}

func (r rsync) initial(ctx context.Context, src, dest string) error {
	flags := "-a"
	if r.compress {
		flags = "-az"
	}
	return r.env.run(ctx, "rsync", flags, "-e", r.env.sshCommand(), src+"/", r.env.Host+":"+dest+"/")
}

func (r rsync) again(ctx context.Context, src, dest string) error { return r.initial(ctx, src, dest) }

func (rsync) check(string) error   { return nil }
func (rsync) release(string) error { return nil }

// unison is `unison -batch` with an ssh:// root.
type unison struct{ env *Env }

func (unison) name() string { return "unison" }

func (u unison) initial(ctx context.Context, src, dest string) error {
	return u.env.run(ctx, "unison", src, "ssh://"+u.env.Host+"/"+dest, "-batch", "-ui", "text", "-silent",
		"-sshargs", strings.Join(u.env.sshArgs(), " "), "-confirmbigdel=false")
}

func (u unison) again(ctx context.Context, src, dest string) error { return u.initial(ctx, src, dest) }

func (unison) check(string) error   { return nil }
func (unison) release(string) error { return nil }

// tarSSH is `tar -c | ssh host tar -x`, or with zstd `tar -c | zstd | ssh host
// 'zstd -d | tar -x'` (zstd's default level).
type tarSSH struct {
	env  *Env
	zstd bool
}

func (t tarSSH) name() string {
	if t.zstd {
		return "tar | zstd | ssh"
	}
	return "tar | ssh | tar"
}

func (t tarSSH) initial(ctx context.Context, src, dest string) error {
	compress, decompress := "", ""
	if t.zstd {
		compress, decompress = " | zstd -q -c", "zstd -q -d -c | "
	}
	remote := "mkdir -p " + shellQuote(dest) + " && " + decompress + "tar -C " + shellQuote(dest) + " -xf -"
	pipe := "tar -C " + shellQuote(src) + " -cf - ." + compress + " | ssh " + strings.Join(quoteEach(t.env.sshArgs()), " ") + " " + t.env.Host + " " + shellQuote(remote)
	return t.env.run(ctx, "bash", "-o", "pipefail", "-c", pipe)
}

func (tarSSH) again(context.Context, string, string) error { return errNoAgain }

func (tarSSH) check(string) error   { return nil }
func (tarSSH) release(string) error { return nil }

// ferryCopier is a ferry session per destination: created and flushed by initial,
// flushed again by again, terminated by release.
type ferryCopier struct {
	f *Ferry
}

func (ferryCopier) name() string { return "ferry" }

// sessionName names the session of a destination.
func sessionName(dest string) string { return "s-" + filepath.Base(dest) }

func (c ferryCopier) initial(ctx context.Context, src, dest string) error {
	return c.f.Sync(ctx, sessionName(dest), src, c.f.env.Host, dest)
}

func (c ferryCopier) check(dest string) error { return c.f.Healthy(sessionName(dest)) }

func (c ferryCopier) again(ctx context.Context, _, dest string) error {
	_, err := c.f.CLIContext(ctx, "sync", "flush", sessionName(dest))
	return err
}

func (c ferryCopier) release(dest string) error { return c.f.Terminate(sessionName(dest)) }

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func quoteEach(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = shellQuote(s)
	}
	return out
}
