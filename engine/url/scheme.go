package url

import (
	"regexp"
	"slices"
	"strings"
)

// schemeRE matches a URL scheme and "://" at the start of an endpoint. Only the
// container engines' (docker://, podman://) are supported: without this check, scp's
// rule would read "kubernetes://pod/app" as the path "/pod/app" on an SSH host named
// "kubernetes".
var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// containerSchemes name container transports that other sync tools have and ferry
// does not (yet); docker:// and podman:// are parsed before this check.
var containerSchemes = []string{"kubernetes", "k8s", "kubectl"}

// Scheme returns the scheme of an endpoint written scheme://..., lower-cased, or "".
func Scheme(s string) string {
	m := schemeRE.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

// UnsupportedScheme returns the error for input, an endpoint written with scheme
// (from Scheme), which ferry does not support. hostForm is how the same endpoint is
// written on an SSH host, for the message: "[user@]host:path" for sync.
func UnsupportedScheme(input, scheme, hostForm string) error {
	switch {
	case slices.Contains(containerSchemes, scheme):
		return errorf(input, "container endpoints are not supported yet; reach the container's host over SSH (%s), or run ferry inside the container", hostForm)
	case scheme == "ssh":
		return errorf(input, "ssh:// URLs are not supported; write the SSH host as %s (with :port after the host if needed)", hostForm)
	}
	return errorf(input, "%s:// endpoints are not supported; give a local path or %s (write ./%s for a local name that looks like this)", scheme, hostForm, input)
}

// checkScheme refuses a sync endpoint written scheme://...
func checkScheme(s string) error {
	if scheme := Scheme(s); scheme != "" {
		return UnsupportedScheme(s, scheme, "[user@]host[:port]:path")
	}
	return nil
}
