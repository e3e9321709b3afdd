package forward

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct {
		in, host, user string
		port           int
		network, addr  string
	}{
		{"tcp:localhost:8080", "", "", 0, "tcp", "localhost:8080"},
		{"tcp4:127.0.0.1:80", "", "", 0, "tcp4", "127.0.0.1:80"},
		{"tcp6:[::1]:443", "", "", 0, "tcp6", "[::1]:443"},
		{"unix:/var/run/docker.sock", "", "", 0, "unix", "/var/run/docker.sock"},
		{"unix:rel.sock", "", "", 0, "unix", "/cwd/rel.sock"},
		{"devbox:tcp:localhost:3000", "devbox", "", 0, "tcp", "localhost:3000"},
		{"alice@10.1.2.3:2222:tcp:localhost:9000", "10.1.2.3", "alice", 2222, "tcp", "localhost:9000"},
		{"[::1]:tcp6:[::1]:80", "::1", "", 0, "tcp6", "[::1]:80"},
		{"devbox:unix:/var/run/docker.sock", "devbox", "", 0, "unix", "/var/run/docker.sock"},
		{"devbox:unix:~/app.sock", "devbox", "", 0, "unix", "~/app.sock"},
		{"unix:///run/app.sock", "", "", 0, "unix", "///run/app.sock"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			a, err := ParseAddress(tc.in, "/cwd")
			require.NoError(t, err)
			require.Equal(t, tc.host, a.Host.Host)
			require.Equal(t, tc.user, a.Host.User)
			require.Equal(t, tc.port, a.Host.Port)
			require.Equal(t, tc.network, a.Network)
			require.Equal(t, tc.addr, a.Addr)
			again, err := ParseAddress(a.String(), "/cwd")
			require.NoError(t, err)
			require.Equal(t, a, again)
		})
	}
	for _, tc := range []struct{ in, want string }{
		{"localhost:8080", "write tcp:HOST:PORT"},
		{"tcp:localhost", "needs HOST:PORT"},
		{"tcp:localhost:0", "between 1 and 65535"},
		{"tcp:localhost:65536", "between 1 and 65535"},
		{"tcp:localhost:http", "between 1 and 65535"},
		{"tcp::80", "give a host"},
		{"tcp6:127.0.0.1:80", "IPv4"},
		{"unix:", "socket's path"},
		{"devbox:unix:rel.sock", "absolute or starts with ~/"},
		{"udp:localhost:53", "write tcp:HOST:PORT"},
		{"kubernetes://pod:tcp:localhost:80", `"kubernetes://pod:tcp:localhost:80": container endpoints are not supported yet`},
		{"k8s://pod/tcp:localhost:80", "container endpoints are not supported yet; reach the container's host over SSH ([user@]host[:port]:tcp:HOST:PORT)"},
		{"kubernetes://pod:tcp:localhost:80", "container endpoints are not supported yet"},
		{"http://localhost:8080", "http:// endpoints are not supported"},
		{"tcp://localhost:8080", `write tcp:HOST:PORT, without "//"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseAddress(tc.in, "/cwd")
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestParseContainerAddress(t *testing.T) {
	for _, tc := range []struct {
		in, engine, ctr, user string
		network, addr         string
	}{
		{"docker://web:tcp:localhost:3000", "docker", "web", "", "tcp", "localhost:3000"},
		{"docker://alice@web:tcp4:127.0.0.1:80", "docker", "web", "alice", "tcp4", "127.0.0.1:80"},
		{"podman://db:unix:/run/db.sock", "podman", "db", "", "unix", "/run/db.sock"},
		{"docker://web:unix:~/app.sock", "docker", "web", "", "unix", "~/app.sock"},
		{"docker://tcp:tcp:localhost:1", "docker", "tcp", "", "tcp", "localhost:1"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			a, err := ParseAddress(tc.in, "/cwd")
			require.NoError(t, err)
			require.False(t, a.IsLocal())
			require.Equal(t, [3]string{tc.engine, tc.ctr, tc.user}, [3]string{a.Host.Engine, a.Host.Host, a.Host.User})
			require.Equal(t, "", a.Host.Path)
			require.Equal(t, [2]string{tc.network, tc.addr}, [2]string{a.Network, a.Addr})
			require.Equal(t, tc.in, a.String())
			again, err := ParseAddress(a.String(), "/cwd")
			require.NoError(t, err)
			require.Equal(t, a, again)
		})
	}
	for _, tc := range []struct{ in, want string }{
		{"docker://:tcp:localhost:80", "is not a container"},
		{"docker://we b:tcp:localhost:80", "is not a container"},
		{"docker://web:unix:rel.sock", "absolute or starts with ~/"},
		{"docker://web:tcp:localhost:0", "between 1 and 65535"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseAddress(tc.in, "/cwd")
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"tcp:localhost:8080", "devbox:unix:/x", "a@b:22:tcp6:[::1]:1", "docker://u@web:tcp:localhost:80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s, "/cwd")
		if err != nil {
			return
		}
		again, err := ParseAddress(a.String(), "/cwd")
		if err != nil || again != a {
			t.Fatalf("%q -> %q -> %v, %v", s, a.String(), again, err)
		}
	})
}
