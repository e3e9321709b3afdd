package ssh

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"time"
)

// sshGTimeout bounds one "ssh -G" run (it does not connect anywhere, but
// Match exec can run commands).
const sshGTimeout = 10 * time.Second

// resolveWithSSH asks the OpenSSH client for the settings of alias.
func resolveWithSSH(ctx context.Context, sshPath, file, alias string, opts ResolveOptions, env expandEnv) (*HostConfig, error) {
	ctx, cancel := context.WithTimeout(ctx, sshGTimeout)
	defer cancel()
	f := file
	if f == "" {
		f = "/dev/null"
	}
	args := []string{"-G", "-F", f}
	if opts.User != "" {
		args = append(args, "-l", opts.User)
	}
	if opts.Port != 0 {
		args = append(args, "-p", strconv.Itoa(opts.Port))
	}
	args = append(args, "--", alias)
	cmd := exec.CommandContext(ctx, sshPath, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, configError("reading the ssh settings for %s with `%s %s`: %s; fix %s", alias, sshPath, strings.Join(args, " "), msg, displayFile(file))
	}
	return parseSSHG(out, file, alias, env)
}

// parseSSHG reads the "key value" lines that "ssh -G" prints.
func parseSSHG(out []byte, file, alias string, env expandEnv) (*HostConfig, error) {
	vals := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if k != "" {
			vals[strings.ToLower(k)] = append(vals[strings.ToLower(k)], strings.TrimSpace(v))
		}
	}
	one := func(k string) string {
		if v := vals[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	bad := func(err error) error {
		return configError("%s: %v (for host %s)", displayFile(file), err, alias)
	}
	hc := &HostConfig{
		HostName:            one("hostname"),
		User:                one("user"),
		IdentityFiles:       vals["identityfile"],
		IdentitiesOnly:      one("identitiesonly") == "yes",
		ServerAliveCountMax: defaultServerAliveCountMax,
		Resolver:            "ssh -G",
	}
	if hc.HostName == "" {
		hc.HostName = alias
	}
	var err error
	if hc.Port, err = strconv.Atoi(one("port")); err != nil {
		return nil, bad(err)
	}
	if isOpenSSHDefaultIdentities(hc.IdentityFiles) {
		hc.IdentityFiles = append([]string(nil), defaultIdentityFiles...)
	}
	if hc.ProxyJump, err = ParseProxyJump(one("proxyjump")); err != nil {
		return nil, bad(err)
	}
	if pc := one("proxycommand"); pc != "" && pc != "none" {
		hc.ProxyCommand = pc
	}
	if hc.ConnectTimeout, err = parseSeconds("ConnectTimeout", one("connecttimeout")); err != nil {
		return nil, bad(err)
	}
	if hc.ServerAliveInterval, err = parseSeconds("ServerAliveInterval", one("serveraliveinterval")); err != nil {
		return nil, bad(err)
	}
	if v := one("serveralivecountmax"); v != "" {
		if hc.ServerAliveCountMax, err = strconv.Atoi(v); err != nil {
			return nil, bad(err)
		}
	}
	if hc.StrictHostKeyChecking, err = parseStrict(one("stricthostkeychecking")); err != nil {
		return nil, bad(err)
	}
	if v := one("hostkeyalgorithms"); v != "" {
		hc.HostKeyAlgorithms = strings.Split(v, ",")
	}
	pwHome := passwdHome()
	hc.UserKnownHostsFiles = knownHostsList(one("userknownhostsfile"), pwHome, env.home)
	hc.GlobalKnownHostsFiles = knownHostsList(one("globalknownhostsfile"), pwHome, env.home)
	return hc, nil
}

// isOpenSSHDefaultIdentities reports whether files is OpenSSH's default
// identity list, which "ssh -G" prints when none is configured; ferry's own
// default (ed25519, ecdsa, rsa) replaces it.
func isOpenSSHDefaultIdentities(files []string) bool {
	if len(files) < 3 {
		return false
	}
	for _, f := range files {
		if !openSSHDefaultIdentities[f] {
			return false
		}
	}
	return true
}

// knownHostsList splits a known hosts file list as "ssh -G" prints it.
// ssh expands "~" and %d with the home directory from the password
// database, which is not $HOME when tests (or users) point HOME elsewhere;
// that prefix is mapped back to $HOME.
func knownHostsList(v, pwHome, home string) []string {
	var out []string
	for _, f := range strings.Fields(v) {
		if f == "none" {
			continue
		}
		if pwHome != "" && pwHome != "/" && home != "" && pwHome != home &&
			(f == pwHome || strings.HasPrefix(f, pwHome+"/")) {
			f = home + f[len(pwHome):]
		}
		out = append(out, expandTilde(f, home))
	}
	return out
}

// passwdHome is the current user's home in the password database, the one
// ssh uses; "" if unknown.
func passwdHome() string {
	u, err := user.Current()
	if err != nil {
		return ""
	}
	return u.HomeDir
}
