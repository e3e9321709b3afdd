package url

import (
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Parse parses an endpoint, resolving a relative local path against the
// process's working directory. See the package documentation for the syntax.
func Parse(s string) (URL, error) {
	return parse(s, os.Getwd)
}

// ParseWithCwd is Parse with an explicit working directory, which must be
// absolute; it is used only for relative local paths.
func ParseWithCwd(s, cwd string) (URL, error) {
	return parse(s, func() (string, error) { return cwd, nil })
}

func parse(s string, cwd func() (string, error)) (URL, error) {
	switch {
	case s == "":
		return URL{}, errorf(s, "empty; give a local path or [user@]host:path")
	case strings.IndexByte(s, 0) >= 0:
		return URL{}, errorf(s, "contains a NUL byte")
	case ContainerEngine(s) != "":
		return parseContainer(s, ContainerEngine(s))
	case isDrivePath(s):
		return URL{Path: cleanDrivePath(s)}, nil
	case Scheme(s) != "":
		return URL{}, checkScheme(s)
	case isLocalSyntax(s):
		return parseLocal(s, cwd)
	}
	return parseRemote(s)
}

// isDrivePath reports whether s starts with a Windows drive ("C:\", "C:/").
func isDrivePath(s string) bool {
	return len(s) >= 3 && isASCIILetter(s[0]) && s[1] == ':' && (s[2] == '\\' || s[2] == '/')
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// cleanDrivePath cleans a drive path as rooted at the drive, so that "C:/.."
// stays "C:/".
func cleanDrivePath(s string) string {
	rest := strings.ReplaceAll(s[2:], `\`, "/")
	return filepath.FromSlash(s[:2] + path.Clean(rest))
}

// isLocalSyntax reports whether s is a local path by its form, as scp
// decides: a leading "/", "~" or ".", no colon at all, or a slash before the
// first colon.
func isLocalSyntax(s string) bool {
	if s[0] == '/' || s[0] == '~' || s[0] == '.' {
		return true
	}
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return true
	}
	slash := strings.IndexByte(s, '/')
	return slash >= 0 && slash < colon
}

func parseLocal(s string, cwd func() (string, error)) (URL, error) {
	if s[0] == '~' {
		rest, ok := homeRest(s)
		if !ok {
			return URL{}, errorf(s, `"~user" paths are not supported; write the absolute path`)
		}
		home := os.Getenv("HOME")
		if home == "" {
			return URL{}, errorf(s, `HOME is not set, so "~" cannot be expanded; set HOME or write an absolute path`)
		}
		if !filepath.IsAbs(home) {
			return URL{}, errorf(s, `HOME (%q) is not an absolute path, so "~" cannot be expanded; fix HOME or write an absolute path`, home)
		}
		return URL{Path: filepath.Join(home, rest)}, nil
	}
	if filepath.IsAbs(s) {
		return URL{Path: filepath.Clean(s)}, nil
	}
	dir, err := cwd()
	if err != nil {
		return URL{}, errorf(s, "relative path, but the working directory is unknown (%v); write an absolute path", err)
	}
	if !filepath.IsAbs(dir) {
		return URL{}, errorf(s, "relative path, but the working directory %q is not absolute; write an absolute path", dir)
	}
	return URL{Path: filepath.Join(dir, s)}, nil
}

// homeRest splits "~" or "~/rest" into rest; ok is false for "~user".
func homeRest(s string) (rest string, ok bool) {
	if s == "~" {
		return "", true
	}
	if strings.HasPrefix(s, "~/") {
		return s[2:], true
	}
	return "", false
}

func parseRemote(s string) (URL, error) {
	var u URL
	rest := s
	// The user ends at the last "@" before the host, which starts before the
	// first ":" or "[" (a path may contain "@", a user may not contain ":").
	hostStart := strings.IndexAny(s, ":[")
	if at := strings.LastIndexByte(s[:hostStart], '@'); at >= 0 {
		u.User, rest = s[:at], s[at+1:]
		if err := checkUser(s, u.User); err != nil {
			return URL{}, err
		}
	}
	host, rest, err := splitHost(s, rest)
	if err != nil {
		return URL{}, err
	}
	u.Host = host
	if len(u.Host) == 1 && u.User == "" {
		return URL{}, errorf(s, `ambiguous: %q reads as a Windows drive; write "%s:\\path" for a local path or "user@%s:path" for the host`, u.Host+":", u.Host, u.Host)
	}
	u.Port, rest, err = splitPort(s, rest)
	if err != nil {
		return URL{}, err
	}
	u.Path, err = remotePath(s, rest)
	if err != nil {
		return URL{}, err
	}
	return u, nil
}

func checkUser(input, user string) error {
	switch {
	case user == "":
		return errorf(input, `empty user name before "@"; write user@host:path or leave out the "@"`)
	case user[0] == '-':
		return errorf(input, `user name %q starts with "-"`, user)
	case hasSpaceOrControl(user):
		return errorf(input, "user name %q contains a space or control character", user)
	}
	return nil
}

// splitHost takes the host and the ":" after it from the start of rest.
func splitHost(input, rest string) (host, after string, err error) {
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", "", errorf(input, `unbalanced "[": an IPv6 host is written [address]:path`)
		}
		host, after = rest[1:end], rest[end+1:]
		addr, perr := netip.ParseAddr(host)
		if perr != nil || !addr.Is6() {
			return "", "", errorf(input, "%q is not an IPv6 address; brackets are only for IPv6 hosts", host)
		}
		if !strings.HasPrefix(after, ":") {
			return "", "", errorf(input, `expected ":" after "]"; write [%s]:path`, host)
		}
		return host, after[1:], nil
	}
	colon := strings.IndexByte(rest, ':')
	host, after = rest[:colon], rest[colon+1:]
	switch {
	case host == "":
		return "", "", errorf(input, `empty host name before ":"; write host:path (IPv6 addresses in brackets: [::1]:path)`)
	case strings.ContainsAny(host, "[]"):
		return "", "", errorf(input, `misplaced or unbalanced bracket in host %q; only an IPv6 host is bracketed, as in [::1]:path`, host)
	case host[0] == '-':
		return "", "", errorf(input, `host name %q starts with "-"`, host)
	case hasSpaceOrControl(host) || strings.ContainsAny(host, `\`):
		return "", "", errorf(input, "host name %q contains a space, backslash or control character", host)
	}
	return host, after, nil
}

// splitPort takes a "port:" prefix off rest, if there is one.
func splitPort(input, rest string) (port int, after string, err error) {
	colon := strings.IndexByte(rest, ':')
	if colon < 0 {
		if rest != "" && allDigits(rest) {
			return 0, "", errorf(input, `ambiguous: %q could be a port with no path or the remote path %q; write host:%s:path for the port or host:./%s for the path`, rest, rest, rest, rest)
		}
		return 0, rest, nil
	}
	digits := rest[:colon]
	if digits == "" || !allDigits(digits) {
		return 0, rest, nil
	}
	n, perr := strconv.Atoi(digits)
	if perr != nil || n < 1 || n > 65535 {
		return 0, "", errorf(input, "port %s is out of range; a port is 1 to 65535", digits)
	}
	return n, rest[colon+1:], nil
}

// remotePath normalizes a remote path to an absolute path, "~" or "~/rest".
func remotePath(input, p string) (string, error) {
	switch {
	case p == "":
		return "", errorf(input, `empty remote path; write host:~ to sync the remote home directory, or give a path`)
	case p[0] == '/':
		return path.Clean(p), nil
	case p[0] == '~':
		rest, ok := homeRest(p)
		if !ok {
			return "", errorf(input, `"~user" paths are not supported; write the absolute path on the remote host`)
		}
		return homeRelative(rest), nil
	}
	return homeRelative(p), nil
}

// homeRelative returns rest (relative to the remote home) as "~" or "~/rest".
func homeRelative(rest string) string {
	c := path.Clean(strings.TrimLeft(rest, "/"))
	if c == "." {
		return "~"
	}
	return "~/" + c
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func hasSpaceOrControl(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return true
		}
	}
	return false
}
