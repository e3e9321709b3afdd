package ssh

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// HostConfig is what ferry uses to reach one host: the ssh config settings
// for it, with the URL's user and port applied. Paths are absolute.
type HostConfig struct {
	// Alias is the name as given (the URL host); it selects Host blocks.
	Alias string
	// HostName is the name or address to connect to.
	HostName string
	// User is the remote login name.
	User string
	// Port is the remote port.
	Port int
	// IdentityFiles are the private key files to try, in order; files
	// that do not exist are skipped when dialing.
	IdentityFiles []string
	// IdentitiesOnly restricts ssh-agent keys to those of IdentityFiles.
	IdentitiesOnly bool
	// ProxyJump lists the jump hosts, first hop first; nil for none.
	ProxyJump []Hop
	// ProxyCommand is recorded so that Dial can refuse it clearly; ferry
	// does not run proxy commands.
	ProxyCommand string
	// ConnectTimeout bounds the TCP connect and the SSH handshake up to
	// host key verification; 0 means no limit but the context's.
	ConnectTimeout time.Duration
	// ServerAliveInterval is how often a silent connection is probed;
	// 0 (unset) means ferry's default, 2 s: ferry always probes, so that a
	// dead host is noticed.
	ServerAliveInterval time.Duration
	// ServerAliveCountMax is how many probes may go unanswered before the
	// connection is closed.
	ServerAliveCountMax int
	// UserKnownHostsFiles are the user's known_hosts files; the first is
	// where newly accepted keys are written.
	UserKnownHostsFiles []string
	// GlobalKnownHostsFiles are the system known_hosts files (read only).
	GlobalKnownHostsFiles []string
	// HostKeyAlgorithms is the configured preference, or nil for the
	// default; Dial reorders it by the keys known for the host.
	HostKeyAlgorithms []string
	// StrictHostKeyChecking says what to do with an unknown host key.
	StrictHostKeyChecking StrictHostKeyChecking
	// ConfigFile is the ssh config file that was read; "" for none.
	ConfigFile string
	// Resolver says how ConfigFile was read: "ssh -G" or "parser".
	Resolver string

	// resolve holds the options jump hosts are resolved with.
	resolve ResolveOptions
}

// Address is HostName:Port, as dialed.
func (c *HostConfig) Address() string {
	return joinHostPort(c.HostName, c.Port)
}

// StrictHostKeyChecking is OpenSSH's option of that name. Whatever its
// value, a changed host key is refused: unlike OpenSSH with "no", ferry
// never connects to a host whose known key no longer matches.
type StrictHostKeyChecking string

// The values of StrictHostKeyChecking.
const (
	// StrictAsk asks the Prompter about an unknown key (the default).
	StrictAsk StrictHostKeyChecking = "ask"
	// StrictYes refuses unknown keys without asking.
	StrictYes StrictHostKeyChecking = "yes"
	// StrictAcceptNew records unknown keys without asking.
	StrictAcceptNew StrictHostKeyChecking = "accept-new"
	// StrictNo records unknown keys without asking, as OpenSSH does.
	StrictNo StrictHostKeyChecking = "no"
)

func parseStrict(v string) (StrictHostKeyChecking, error) {
	switch strings.ToLower(v) {
	case "", "ask":
		return StrictAsk, nil
	case "yes", "true":
		return StrictYes, nil
	case "no", "off", "false":
		return StrictNo, nil
	case "accept-new":
		return StrictAcceptNew, nil
	}
	return "", fmt.Errorf("StrictHostKeyChecking %q is not yes, no, ask or accept-new", v)
}

// ResolveOptions adjusts Resolve. The zero value resolves as ferry does by
// default.
type ResolveOptions struct {
	// User overrides the configured user (an explicit user in the URL);
	// "" keeps the configured one.
	User string
	// Port overrides the configured port (an explicit port in the URL);
	// 0 keeps the configured one.
	Port int
	// ConfigFile is the ssh config file to read; "" means
	// $FERRY_SSH_CONFIG if set, else $HOME/.ssh/config if it exists,
	// else none.
	ConfigFile string
	// SSHPath is the ssh client used for "ssh -G"; "" means "ssh" from
	// PATH.
	SSHPath string
	// NoSSHBinary makes Resolve parse ConfigFile itself even when an ssh
	// client is installed.
	NoSSHBinary bool
}

// Default settings, as OpenSSH has them.
const (
	defaultPort                = 22
	defaultServerAliveCountMax = 3
)

var (
	defaultIdentityFiles     = []string{"~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"}
	defaultUserKnownHosts    = []string{"~/.ssh/known_hosts", "~/.ssh/known_hosts2"}
	defaultGlobalKnownHosts  = []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}
	openSSHDefaultIdentities = map[string]bool{
		"~/.ssh/id_rsa": true, "~/.ssh/id_ecdsa": true, "~/.ssh/id_ecdsa_sk": true,
		"~/.ssh/id_ed25519": true, "~/.ssh/id_ed25519_sk": true, "~/.ssh/id_xmss": true,
		"~/.ssh/id_dsa": true,
	}
)

// Resolve reads the ssh settings for alias. It asks the installed OpenSSH
// client ("ssh -G -F FILE alias", which evaluates Match, Include and
// everything else exactly as ssh would) and falls back to parsing FILE
// with github.com/kevinburke/ssh_config when there is no ssh binary. Either
// way only FILE is read, not /etc/ssh/ssh_config, and "~" means $HOME.
func Resolve(ctx context.Context, alias string, opts ResolveOptions) (*HostConfig, error) {
	if err := checkAlias(alias); err != nil {
		return nil, err
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, configError("port %d for %s is out of range; a port is 1 to 65535", opts.Port, alias)
	}
	file, err := configFile(opts)
	if err != nil {
		return nil, err
	}
	env := newExpandEnv()
	var hc *HostConfig
	sshPath := ""
	if !opts.NoSSHBinary {
		sshPath = opts.SSHPath
		if sshPath == "" {
			sshPath, _ = exec.LookPath("ssh")
		}
	}
	if sshPath != "" {
		hc, err = resolveWithSSH(ctx, sshPath, file, alias, opts, env)
	} else {
		hc, err = resolveWithParser(file, alias, opts, env)
	}
	if err != nil {
		return nil, err
	}
	hc.Alias, hc.ConfigFile = alias, file
	hc.resolve = ResolveOptions{ConfigFile: opts.ConfigFile, SSHPath: opts.SSHPath, NoSSHBinary: opts.NoSSHBinary}
	if opts.User != "" {
		hc.User = opts.User
	}
	if opts.Port != 0 {
		hc.Port = opts.Port
	}
	if hc.Port < 1 || hc.Port > 65535 {
		return nil, configError("%s: port %d for %s is out of range; a port is 1 to 65535", displayFile(file), hc.Port, alias)
	}
	for i, f := range hc.IdentityFiles {
		hc.IdentityFiles[i] = env.expand(f, hc)
	}
	return hc, nil
}

func checkAlias(alias string) error {
	switch {
	case alias == "":
		return configError("empty host name")
	case alias[0] == '-':
		return configError("host name %q starts with \"-\"", alias)
	case strings.ContainsFunc(alias, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return configError("host name %q contains a space or control character", alias)
	}
	return nil
}

// configFile picks the ssh config file: see ResolveOptions.ConfigFile.
func configFile(opts ResolveOptions) (string, error) {
	home := os.Getenv("HOME")
	for _, c := range []struct{ name, file string }{
		{"ResolveOptions.ConfigFile", opts.ConfigFile},
		{"FERRY_SSH_CONFIG", os.Getenv("FERRY_SSH_CONFIG")},
	} {
		if c.file == "" {
			continue
		}
		f := expandTilde(c.file, home)
		if _, err := os.Stat(f); err != nil {
			return "", configError("ssh config %s (from %s) cannot be read: %v; fix the path or unset it", f, c.name, err)
		}
		return f, nil
	}
	if home == "" {
		return "", nil
	}
	f := filepath.Join(home, ".ssh", "config")
	if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", configError("ssh config %s cannot be read: %v", f, err)
	}
	return f, nil
}

// expandEnv holds what "~" and %-tokens expand to.
type expandEnv struct {
	home      string // $HOME
	localUser string
}

func newExpandEnv() expandEnv {
	e := expandEnv{home: os.Getenv("HOME"), localUser: os.Getenv("USER")}
	if u, err := user.Current(); err == nil {
		e.localUser = u.Username
	}
	return e
}

// expand expands a leading "~" with $HOME and the tokens ssh_config(5)
// allows in file names: %d (home), %u (local user), %h (host name), %n
// (alias), %p (port), %r (remote user), %%.
func (e expandEnv) expand(p string, hc *HostConfig) string {
	if strings.Contains(p, "%") {
		var b strings.Builder
		for i := 0; i < len(p); i++ {
			if p[i] != '%' || i+1 == len(p) {
				b.WriteByte(p[i])
				continue
			}
			i++
			switch p[i] {
			case 'd':
				b.WriteString(e.home)
			case 'u':
				b.WriteString(e.localUser)
			case 'h':
				b.WriteString(hc.HostName)
			case 'n':
				b.WriteString(hc.Alias)
			case 'p':
				b.WriteString(strconv.Itoa(hc.Port))
			case 'r':
				b.WriteString(hc.User)
			case '%':
				b.WriteByte('%')
			default:
				b.WriteByte('%')
				b.WriteByte(p[i])
			}
		}
		p = b.String()
	}
	return expandTilde(p, e.home)
}

// expandTilde expands "~" and "~/x" with home ($HOME, never the password
// database).
func expandTilde(p, home string) string {
	if home == "" {
		return p
	}
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

// unquote removes the double quotes ssh_config allows around a value.
func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// parseSeconds parses a timeout in seconds; "none" and "" mean 0.
func parseSeconds(key, v string) (time.Duration, error) {
	if v == "" || strings.EqualFold(v, "none") {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s %q is not a number of seconds", key, v)
	}
	return time.Duration(n) * time.Second, nil
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + strconv.Itoa(port)
	}
	return host + ":" + strconv.Itoa(port)
}

// displayFile writes a path with $HOME shortened to "~", for messages.
func displayFile(p string) string {
	if p == "" {
		return "(no ssh config)"
	}
	home := os.Getenv("HOME")
	if home != "" && home != "/" && strings.HasPrefix(p, home+"/") {
		return "~" + p[len(home):]
	}
	return p
}
