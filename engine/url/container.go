package url

import (
	"path"
	"strings"
)

// Container endpoints are written ENGINE://[user@]container/path, as Mutagen writes
// them: "docker://web/srv/app" is /srv/app in the container web, "docker://web/~/app"
// is ~/app of the user the engine runs commands as ("-u" when a user is given).
// The container is a name or id; the engine's CLI reaches it, never SSH.

// containerEngines are the container engines an endpoint may name, by their schemes.
var containerEngines = []string{"docker", "podman"}

// ContainerEngine returns the engine of an endpoint written docker://... or
// podman://... (the scheme in any case), or "" when it names none.
func ContainerEngine(s string) string {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return ""
	}
	for _, e := range containerEngines {
		if strings.EqualFold(scheme, e) {
			return e
		}
	}
	return ""
}

// parseContainer parses ENGINE://[user@]container/path.
func parseContainer(s, engine string) (URL, error) {
	rest := s[len(engine)+len("://"):]
	u := URL{Engine: engine}
	ctr, p, hasPath := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(ctr, '@'); at >= 0 {
		u.User, ctr = ctr[:at], ctr[at+1:]
		if err := checkUser(s, u.User); err != nil {
			return URL{}, err
		}
	}
	if err := checkContainer(s, engine, ctr); err != nil {
		return URL{}, err
	}
	u.Host = ctr
	if !hasPath {
		return URL{}, errorf(s, `no path in the container; write %s://%s/~ for the home directory or %s://%s/ABSOLUTE/PATH`, engine, ctr, engine, ctr)
	}
	switch {
	case p == "~" || strings.HasPrefix(p, "~/"):
		u.Path = homeRelative(p[1:])
	case strings.HasPrefix(p, "~"):
		return URL{}, errorf(s, `"~user" paths are not supported; write the absolute path in the container`)
	default:
		u.Path = path.Clean("/" + p)
	}
	return u, nil
}

// checkContainer refuses what cannot be a container name or id: container names are
// letters, digits and "_.-", starting with a letter or digit.
func checkContainer(input, engine, ctr string) error {
	switch {
	case ctr == "":
		return errorf(input, "no container; write %s://[user@]container/path", engine)
	case !isNameChar(ctr[0]) || ctr[0] == '_' || ctr[0] == '.' || ctr[0] == '-':
		return errorf(input, "container name %q must start with a letter or digit", ctr)
	}
	for i := 0; i < len(ctr); i++ {
		if !isNameChar(ctr[i]) {
			return errorf(input, "container name %q contains %q; container names are letters, digits, \"_\", \".\" and \"-\"", ctr, ctr[i])
		}
	}
	return nil
}

func isNameChar(c byte) bool {
	return isASCIILetter(c) || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
}

// containerString formats a container URL as ENGINE://[user@]container/path.
func (u URL) containerString() string {
	var b strings.Builder
	b.WriteString(u.Engine)
	b.WriteString("://")
	if u.User != "" {
		b.WriteString(u.User)
		b.WriteByte('@')
	}
	b.WriteString(u.Host)
	switch {
	case u.Path == "":
		// a forward's container, which has no path
	case strings.HasPrefix(u.Path, "/"):
		b.WriteString(u.Path)
	default:
		b.WriteByte('/')
		b.WriteString(u.Path)
	}
	return b.String()
}
