package ssh

import (
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/kevinburke/ssh_config"
)

// resolveWithParser reads the settings of alias from file without an ssh
// binary. It understands Host blocks and Include (relative includes are
// looked up by the library in the password-database home); Match blocks and
// the %-tokens of HostName other than %h and %% are not evaluated.
func resolveWithParser(file, alias string, opts ResolveOptions, env expandEnv) (*HostConfig, error) {
	cfg := &ssh_config.Config{}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, configError("ssh config %s cannot be read: %v", displayFile(file), err)
		}
		cfg, err = ssh_config.Decode(f)
		f.Close()
		if err != nil {
			return nil, configError("ssh config %s cannot be parsed: %v; fix the file (ssh -G %s shows what OpenSSH makes of it)", displayFile(file), err, alias)
		}
	}
	get := func(key string) string {
		v, _ := cfg.Get(alias, key)
		return unquote(strings.TrimSpace(v))
	}
	getAll := func(key string) []string {
		vs, _ := cfg.GetAll(alias, key)
		for i, v := range vs {
			vs[i] = unquote(strings.TrimSpace(v))
		}
		return vs
	}
	bad := func(err error) error {
		return configError("%s: %v (for host %s)", displayFile(file), err, alias)
	}

	hc := &HostConfig{
		Alias:               alias,
		HostName:            expandHostName(get("HostName"), alias),
		User:                get("User"),
		Port:                defaultPort,
		IdentityFiles:       getAll("IdentityFile"),
		IdentitiesOnly:      strings.EqualFold(get("IdentitiesOnly"), "yes"),
		ServerAliveCountMax: defaultServerAliveCountMax,
		Resolver:            "parser",
	}
	if hc.User == "" {
		hc.User = env.localUser
	}
	var err error
	if v := get("Port"); v != "" {
		if hc.Port, err = strconv.Atoi(v); err != nil {
			return nil, bad(err)
		}
	}
	// The URL's user and port count for the %r and %p tokens below.
	if opts.User != "" {
		hc.User = opts.User
	}
	if opts.Port != 0 {
		hc.Port = opts.Port
	}
	if len(hc.IdentityFiles) == 0 {
		hc.IdentityFiles = append([]string(nil), defaultIdentityFiles...)
	}
	if hc.ProxyJump, err = ParseProxyJump(get("ProxyJump")); err != nil {
		return nil, bad(err)
	}
	if pc := get("ProxyCommand"); pc != "" && !strings.EqualFold(pc, "none") {
		hc.ProxyCommand = pc
	}
	if hc.ConnectTimeout, err = parseSeconds("ConnectTimeout", get("ConnectTimeout")); err != nil {
		return nil, bad(err)
	}
	if hc.ServerAliveInterval, err = parseSeconds("ServerAliveInterval", get("ServerAliveInterval")); err != nil {
		return nil, bad(err)
	}
	if v := get("ServerAliveCountMax"); v != "" {
		if hc.ServerAliveCountMax, err = strconv.Atoi(v); err != nil {
			return nil, bad(err)
		}
	}
	if hc.StrictHostKeyChecking, err = parseStrict(get("StrictHostKeyChecking")); err != nil {
		return nil, bad(err)
	}
	if v := get("HostKeyAlgorithms"); v != "" {
		hc.HostKeyAlgorithms = applyAlgorithmList(defaultHostKeyAlgorithms, v)
	}
	hc.UserKnownHostsFiles = fileList(get("UserKnownHostsFile"), defaultUserKnownHosts, env, hc)
	hc.GlobalKnownHostsFiles = fileList(get("GlobalKnownHostsFile"), defaultGlobalKnownHosts, env, hc)
	return hc, nil
}

// expandHostName applies the %h and %% tokens of a HostName value.
func expandHostName(v, alias string) string {
	if v == "" {
		return alias
	}
	return strings.NewReplacer("%h", alias, "%%", "%").Replace(v)
}

// fileList splits a known hosts file list, or returns the default.
func fileList(v string, def []string, env expandEnv, hc *HostConfig) []string {
	files := strings.Fields(v)
	if len(files) == 0 {
		files = def
	}
	var out []string
	for _, f := range files {
		if f != "none" {
			out = append(out, env.expand(unquote(f), hc))
		}
	}
	return out
}

// applyAlgorithmList applies an OpenSSH algorithm list to def: "+a,b"
// appends, "-a,b" removes, "^a,b" puts first, and a plain list replaces.
func applyAlgorithmList(def []string, v string) []string {
	if v == "" {
		return def
	}
	op, list := v[0], strings.Split(strings.TrimLeft(v, "+-^"), ",")
	switch op {
	case '+':
		out := slices.Clone(def)
		for _, a := range list {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
		return out
	case '-':
		return slices.DeleteFunc(slices.Clone(def), func(a string) bool { return slices.Contains(list, a) })
	case '^':
		rest := slices.DeleteFunc(slices.Clone(def), func(a string) bool { return slices.Contains(list, a) })
		return append(list, rest...)
	}
	return list
}
