package url

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const testCwd = "/work/proj"

func TestParse(t *testing.T) {
	t.Setenv("HOME", "/home/me")
	tests := []struct {
		name string
		in   string
		want URL
	}{
		{"absolute local", "/srv/app", URL{Path: "/srv/app"}},
		{"absolute local cleaned", "/srv//app/../x/", URL{Path: "/srv/x"}},
		{"root", "/", URL{Path: "/"}},
		{"relative local", "app", URL{Path: "/work/proj/app"}},
		{"dot relative", "./app", URL{Path: "/work/proj/app"}},
		{"dot", ".", URL{Path: "/work/proj"}},
		{"dotdot relative", "../other", URL{Path: "/work/other"}},
		{"tilde", "~", URL{Path: "/home/me"}},
		{"tilde slash", "~/", URL{Path: "/home/me"}},
		{"tilde path", "~/code/app", URL{Path: "/home/me/code/app"}},
		{"slash before colon is local", "dir/a:b", URL{Path: "/work/proj/dir/a:b"}},
		{"dot colon is local", "./a:b", URL{Path: "/work/proj/a:b"}},
		{"at without colon is local", "me@host", URL{Path: "/work/proj/me@host"}},
		{"drive backslash", `C:\Users\me`, URL{Path: "C:/Users/me"}},
		{"drive slash", "d:/x/../y", URL{Path: "d:/y"}},
		{"drive root stays rooted", "C:/..", URL{Path: "C:/"}},
		{"remote absolute", "host:/srv/app", URL{Host: "host", Path: "/srv/app"}},
		{"remote absolute cleaned", "host:/srv/./app/", URL{Host: "host", Path: "/srv/app"}},
		{"remote user", "me@host:/srv", URL{Host: "host", User: "me", Path: "/srv"}},
		{"remote port", "host:2222:/srv", URL{Host: "host", Port: 2222, Path: "/srv"}},
		{"remote user port", "me@host:22:/srv", URL{Host: "host", User: "me", Port: 22, Path: "/srv"}},
		{"remote home", "host:~", URL{Host: "host", Path: "~"}},
		{"remote home path", "host:~/app", URL{Host: "host", Path: "~/app"}},
		{"remote relative", "host:app/x", URL{Host: "host", Path: "~/app/x"}},
		{"remote dot relative", "host:./app", URL{Host: "host", Path: "~/app"}},
		{"remote dot", "host:.", URL{Host: "host", Path: "~"}},
		{"remote above home", "host:../shared", URL{Host: "host", Path: "~/../shared"}},
		{"remote home double slash", "host:~//x", URL{Host: "host", Path: "~/x"}},
		{"remote digits then path", "host:./2222", URL{Host: "host", Path: "~/2222"}},
		{"remote path with colon", "host:/a:b", URL{Host: "host", Path: "/a:b"}},
		{"remote path with at", "host:/a@b", URL{Host: "host", Path: "/a@b"}},
		{"alias with dots and dashes", "dev-box.example.com:/x", URL{Host: "dev-box.example.com", Path: "/x"}},
		{"ipv4", "10.0.0.1:/x", URL{Host: "10.0.0.1", Path: "/x"}},
		{"scheme-like local with dot slash", "./docker://ctr", URL{Path: "/work/proj/docker:/ctr"}},
		{"host with a one-slash path is not a scheme", "docker:/ctr/app", URL{Host: "docker", Path: "/ctr/app"}},
		{"user before a scheme-like host", "me@docker:/x", URL{Host: "docker", User: "me", Path: "/x"}},
		{"ipv6", "[::1]:/srv", URL{Host: "::1", Path: "/srv"}},
		{"ipv6 port user", "me@[2001:db8::1]:2200:~/x", URL{Host: "2001:db8::1", User: "me", Port: 2200, Path: "~/x"}},
		{"ipv6 zone", "[fe80::1%eth0]:/x", URL{Host: "fe80::1%eth0", Path: "/x"}},
		{"one-letter host with user", "me@c:/x", URL{Host: "c", User: "me", Path: "/x"}},
		{"user with at", "a@b@host:/x", URL{Host: "host", User: "a@b", Path: "/x"}},
		{"port leading zero", "host:022:/x", URL{Host: "host", Port: 22, Path: "/x"}},
		{"max port", "host:65535:/x", URL{Host: "host", Port: 65535, Path: "/x"}},
		{"docker absolute", "docker://web/srv/app", URL{Engine: "docker", Host: "web", Path: "/srv/app"}},
		{"docker root", "docker://web/", URL{Engine: "docker", Host: "web", Path: "/"}},
		{"docker cleaned", "docker://web//srv/./app/../x/", URL{Engine: "docker", Host: "web", Path: "/srv/x"}},
		{"docker home", "docker://web/~", URL{Engine: "docker", Host: "web", Path: "~"}},
		{"docker home path", "docker://web/~/app", URL{Engine: "docker", Host: "web", Path: "~/app"}},
		{"docker user", "docker://alice@web/~/app", URL{Engine: "docker", Host: "web", User: "alice", Path: "~/app"}},
		{"docker uid and gid", "docker://1000:1000@web/app", URL{Engine: "docker", Host: "web", User: "1000:1000", Path: "/app"}},
		{"docker id", "docker://3f4e1a2b9c0d/data", URL{Engine: "docker", Host: "3f4e1a2b9c0d", Path: "/data"}},
		{"docker name with dots", "docker://my_app.web-1/x", URL{Engine: "docker", Host: "my_app.web-1", Path: "/x"}},
		{"docker path with colon and at", "docker://web/a:b@c", URL{Engine: "docker", Host: "web", Path: "/a:b@c"}},
		{"docker scheme in capitals", "Docker://web/x", URL{Engine: "docker", Host: "web", Path: "/x"}},
		{"podman", "podman://db/var/lib/data", URL{Engine: "podman", Host: "db", Path: "/var/lib/data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseWithCwd(tt.in, testCwd)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			again, err := ParseWithCwd(got.String(), testCwd)
			require.NoError(t, err, "re-parsing %q", got.String())
			require.Equal(t, got, again, "round trip through %q", got.String())
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Setenv("HOME", "/home/me")
	tests := []struct {
		name string
		in   string
		want string // substring of the error
	}{
		{"empty", "", "empty; give a local path"},
		{"nul", "/a\x00b", "NUL"},
		{"empty remote path", "host:", "write host:~ to sync the remote home"},
		{"empty remote path after port", "host:22:", "empty remote path"},
		{"port or path", "host:2222", "could be a port with no path"},
		{"port zero", "host:0:/x", "port 0 is out of range"},
		{"port too big", "host:65536:/x", "port 65536 is out of range"},
		{"port huge", "host:99999999999999999999:/x", "out of range"},
		{"empty host", ":/x", "empty host name"},
		{"bare ipv6", "::1:/x", "IPv6 addresses in brackets"},
		{"empty host after user", "me@:/x", "empty host name"},
		{"empty user", "@host:/x", "empty user name"},
		{"unbalanced open bracket", "[::1:/x", `unbalanced "["`},
		{"unbalanced close bracket", "host]:/x", "misplaced or unbalanced bracket"},
		{"bracketed ipv4", "[10.0.0.1]:/x", "not an IPv6 address"},
		{"bracketed name", "[host]:/x", "not an IPv6 address"},
		{"nothing after bracket", "[::1]", `expected ":" after "]"`},
		{"junk after bracket", "[::1]x:/y", `expected ":" after "]"`},
		{"one-letter host", "c:x", "reads as a Windows drive"},
		{"one-letter host with port", "c:22:/x", "reads as a Windows drive"},
		{"drive without path", "C:", "reads as a Windows drive"},
		{"dash host", "-oProxyCommand=x:/y", `starts with "-"`},
		{"dash user", "-l@host:/y", `starts with "-"`},
		{"space in host", "my host:/y", "contains a space"},
		{"space in user", "a b@host:/y", "contains a space"},
		{"local tilde user", "~bob/x", `"~user" paths are not supported`},
		{"remote tilde user", "host:~bob/x", `"~user" paths are not supported`},
		{"kubernetes", "kubernetes://pod/app", "container endpoints are not supported yet"},
		{"ssh scheme", "ssh://me@host/srv", "ssh:// URLs are not supported; write the SSH host as [user@]host[:port]:path"},
		{"other scheme", "sftp://host/srv", "sftp:// endpoints are not supported; give a local path or [user@]host[:port]:path (write ./sftp://host/srv"},
		{"kubernetes in capitals", "Kubernetes://pod/app", "container endpoints are not supported yet"},
		{"docker without path", "docker://web", "no path in the container; write docker://web/~ for the home directory"},
		{"docker without container", "docker:///srv", "no container"},
		{"docker empty user", "docker://@web/x", "empty user name"},
		{"docker dash container", "docker://-web/x", "must start with a letter or digit"},
		{"docker bad container", "docker://we:b/x", `contains ':'`},
		{"docker tilde user", "docker://web/~bob", `"~user" paths are not supported`},
		{"podman without path", "podman://db", "write podman://db/~"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseWithCwd(tt.in, testCwd)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
			var perr *Error
			require.True(t, errors.As(err, &perr))
			require.Equal(t, tt.in, perr.Input)
		})
	}
}

func TestParseEnvironment(t *testing.T) {
	tests := []struct {
		name, home, cwd, in, want string
	}{
		{"tilde without HOME", "", testCwd, "~/x", "HOME is not set"},
		{"tilde with relative HOME", "rel", testCwd, "~", "is not an absolute path"},
		{"relative with relative cwd", "/h", "rel", "x", "is not absolute"},
		{"remote tilde ignores HOME", "", testCwd, "host:~/x", ""},
		{"absolute ignores cwd", "/h", "", "/x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HOME", tt.home)
			_, err := ParseWithCwd(tt.in, tt.cwd)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestParseUsesProcessCwd(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	got, err := Parse("sub")
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(got.Path, "/sub"), got.Path)
	require.True(t, got.IsLocal())
}

func TestString(t *testing.T) {
	tests := []struct {
		name string
		in   URL
		want string
	}{
		{"local", URL{Path: "/a/b"}, "/a/b"},
		{"remote", URL{Host: "h", Path: "/x"}, "h:/x"},
		{"remote all", URL{Host: "h", User: "u", Port: 2, Path: "~/x"}, "u@h:2:~/x"},
		{"ipv6", URL{Host: "::1", Port: 22, Path: "~"}, "[::1]:22:~"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.in.String())
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Setenv("HOME", "/home/me")
	for _, s := range []string{
		"/a", "a", "~", "~/a", "host:/a", "u@h:22:~/x", "[::1]:/x", "C:\\x", "h:2222",
		"me@[fe80::1%eth0]:2200:a/../b", "a@b@c:d", "host:", "[", "]:", "@:",
		"docker://u@web/~/x", "podman://db//a/../b", "docker://w/~",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseWithCwd(s, testCwd)
		if err != nil {
			return
		}
		if u.Path == "" {
			t.Fatalf("Parse(%q) = %#v with an empty path", s, u)
		}
		again, err := ParseWithCwd(u.String(), testCwd)
		if err != nil {
			t.Fatalf("Parse(%q) = %#v, but its String %q does not parse: %v", s, u, u.String(), err)
		}
		if again != u {
			t.Fatalf("Parse(%q) = %#v; String %q re-parses to %#v", s, u, u.String(), again)
		}
		if !u.IsLocal() && !strings.HasPrefix(u.Path, "/") && u.Path != "~" && !strings.HasPrefix(u.Path, "~/") {
			t.Fatalf("Parse(%q): remote path %q is neither absolute nor home-relative", s, u.Path)
		}
	})
}
