package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/url"
)

func mustURL(t *testing.T, s string) url.URL {
	t.Helper()
	u, err := url.ParseWithCwd(s, "/cwd")
	require.NoError(t, err)
	return u
}

func TestRelate(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       relation
	}{
		{"same local", "/a/b", "/a/b", sameFolder},
		{"same after cleaning", "/a/./b/", "/a/c/../b", sameFolder},
		{"local inside", "/a/b/c", "/a/b", inside},
		{"local contains", "/a", "/a/b", contains},
		{"root contains all", "/", "/a", contains},
		{"sibling with a common prefix", "/a/bc", "/a/b", unrelated},
		{"local and remote", "/a", "devbox:/a", unrelated},
		{"same remote", "devbox:/srv/app", "devbox:/srv/app", sameFolder},
		{"remote host names ignore case", "DevBox:/srv", "devbox:/srv", sameFolder},
		{"remote inside", "devbox:~/app/sub", "devbox:~/app", inside},
		{"remote home contains", "devbox:~", "devbox:~/app", contains},
		{"other host", "devbox:/srv", "prod:/srv", unrelated},
		{"user set on one side only", "alice@devbox:/srv", "devbox:/srv", sameFolder},
		{"other users", "alice@devbox:~/x", "bob@devbox:~/x", unrelated},
		{"port set on one side only", "devbox:2222:/srv", "devbox:/srv", sameFolder},
		{"other ports", "devbox:2222:/srv", "devbox:22:/srv", unrelated},
		{"home and absolute are not compared", "devbox:~/x", "devbox:/home/me/x", unrelated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, relate(folderOf(mustURL(t, tt.a)), folderOf(mustURL(t, tt.b))))
		})
	}
}

func TestCheckRoots(t *testing.T) {
	tests := []struct {
		name, alpha, beta, want string
	}{
		{"different local", "/a", "/b", ""},
		{"same local", "/a", "/a/", "alpha and beta are the same folder (/a)"},
		{"beta inside alpha", "/a", "/a/b", "beta (/a/b) lies inside alpha (/a)"},
		{"alpha inside beta", "/a/b", "/a", "alpha (/a/b) lies inside beta (/a)"},
		{"same remote", "devbox:/srv", "devbox:/srv/", "alpha and beta are the same folder (devbox:/srv)"},
		{"nested remote", "me@devbox:~/a", "devbox:~/a/b", "beta (devbox:~/a/b) lies inside alpha (me@devbox:~/a)"},
		{"remote on two hosts", "devbox:/srv", "prod:/srv", ""},
		{"local and remote", "/srv", "devbox:/srv", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRoots(mustURL(t, tt.alpha), mustURL(t, tt.beta))
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			var re *RootsError
			require.ErrorAs(t, err, &re)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestResolveRoot(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	real := filepath.Join(dir, "real")
	require.NoError(t, os.MkdirAll(filepath.Join(real, "sub"), 0o755))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(real, link))
	for _, tt := range []struct{ name, in, want string }{
		{"no links", real, real},
		{"a link", link, real},
		{"inside a link", filepath.Join(link, "sub"), filepath.Join(real, "sub")},
		{"missing below a link", filepath.Join(link, "new", "deeper"), filepath.Join(real, "new", "deeper")},
		{"missing altogether", filepath.Join(dir, "none", "x"), filepath.Join(dir, "none", "x")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, ResolveRoot(url.URL{Path: tt.in}).Path)
		})
	}
	remote := url.URL{Host: "devbox", Path: "~/x"}
	require.Equal(t, remote, ResolveRoot(remote))
}

func TestCheckOverlap(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	web := filepath.Join(dir, "web")
	require.NoError(t, os.MkdirAll(filepath.Join(web, "docs"), 0o755))
	link := filepath.Join(dir, "weblink")
	require.NoError(t, os.Symlink(web, link))
	existing := []Spec{
		{ID: "sync_1", Name: "web", Alpha: web, Beta: "devbox:~/web"},
		{ID: "sync_2", Alpha: "/elsewhere/a", Beta: "prod:/srv/b"},
	}
	tests := []struct {
		name, alpha, beta, want string
		same                    bool
	}{
		{"unrelated folders", filepath.Join(dir, "api"), "devbox:~/api", "", false},
		{"same pair", web, "devbox:~/web", `session web already syncs ` + web + ` with devbox:~/web`, true},
		{"same pair swapped", "devbox:~/web", web, `session web already syncs devbox:~/web with ` + web, true},
		{"same pair through a link", link, "devbox:~/web", "session web already syncs", true},
		{"both folders inside", filepath.Join(web, "docs"), "devbox:~/web/docs", "alpha (" + filepath.Join(web, "docs") + ") lies inside alpha of session web (" + web + "), and the other folders overlap too", false},
		{"both folders inside through a link", filepath.Join(link, "docs"), "devbox:~/web/docs", "lies inside alpha of session web", false},
		{"both folders around", dir, "devbox:~", "alpha (" + dir + ") contains alpha of session web", false},
		{"one folder the same, the other inside", web, "devbox:~/web/sub", "beta (devbox:~/web/sub) lies inside beta of session web (devbox:~/web)", false},
		{"one folder the same, the other inside, swapped", "devbox:~/web/sub", web, "alpha (devbox:~/web/sub) lies inside beta of session web", false},
		{"both folders inside one of its folders", filepath.Join(web, "docs"), filepath.Join(web, "other"), "alpha (" + filepath.Join(web, "docs") + ") lies inside alpha of session web", false},
		{"fan-out of a folder inside", filepath.Join(web, "docs"), "devbox:~/docs", "", false},
		{"fan-out of a folder around", dir, "devbox:~/all", "", false},
		{"fan-out of a remote folder inside", filepath.Join(dir, "x"), "devbox:~/web/sub", "", false},
		{"fan-out of a local folder", web, "prod:~/web", "", false},
		{"fan-out of a remote folder", filepath.Join(dir, "y"), "devbox:web", "", false},
		{"unnamed session by identifier", "/elsewhere/a/b", "prod:/srv/b/c", "alpha (/elsewhere/a/b) lies inside alpha of session sync_2 (/elsewhere/a)", false},
		{"unnamed session, same pair", "prod:/srv/b", "/elsewhere/a", "session sync_2 already syncs prod:/srv/b with /elsewhere/a", true},
		{"same remote path on another host", filepath.Join(dir, "z"), "prod:~/web", "", false},
		{"same path in a container of the host's name", web, "docker://devbox/~/web", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckOverlap(mustURL(t, tt.alpha), mustURL(t, tt.beta), existing)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrOverlap)
			require.ErrorContains(t, err, tt.want)
			require.ErrorContains(t, err, "pass --force (force in the API) to create it anyway")
			var oe *OverlapError
			require.ErrorAs(t, err, &oe)
			require.Equal(t, tt.same, oe.SamePair)
		})
	}
}

func TestCreateRefusesOverlapUnlessForced(t *testing.T) {
	m, _ := newManager(t)
	ctx := context.Background()
	alpha, beta := t.TempDir(), t.TempDir()
	_, err := m.Create(ctx, CreateRequest{Name: "first", Alpha: alpha, Beta: beta, Paused: true})
	require.NoError(t, err)

	nested, other := filepath.Join(alpha, "sub"), filepath.Join(beta, "sub")
	require.NoError(t, os.Mkdir(nested, 0o755))
	// Fan-out of a folder inside the first session's alpha is allowed.
	_, err = m.Create(ctx, CreateRequest{Name: "fan-out", Alpha: nested, Beta: t.TempDir(), Paused: true})
	require.NoError(t, err)
	_, err = m.Create(ctx, CreateRequest{Name: "second", Alpha: other, Beta: nested, Paused: true})
	var oe *OverlapError
	require.ErrorAs(t, err, &oe)
	require.Equal(t, "first", oe.Session)
	require.False(t, errors.Is(err, registry.ErrInvalid), "an overlap is its own kind of error")
	states, err := m.List(registry.Selection{})
	require.NoError(t, err)
	require.Len(t, states, 2, "the refused session is not created")

	_, err = m.Create(ctx, CreateRequest{Name: "second", Alpha: other, Beta: nested, Paused: true, Force: true})
	require.NoError(t, err)
	states, err = m.List(registry.Selection{})
	require.NoError(t, err)
	require.Len(t, states, 3)
}

func TestCreateRefusesOneFolderThroughALink(t *testing.T) {
	m, _ := newManager(t)
	alpha := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(alpha, link))
	_, err := m.Create(context.Background(), CreateRequest{Alpha: alpha, Beta: link, Paused: true, Force: true})
	require.ErrorIs(t, err, registry.ErrInvalid)
	require.ErrorContains(t, err, "alpha and beta are the same folder")
}
