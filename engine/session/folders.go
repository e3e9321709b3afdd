package session

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ferrysync/ferry/engine/url"
)

// A session's two roots must be different folders that do not contain each other
// (CheckRoots), and a new session should not synchronize files that an existing one
// synchronizes between the same places: the same two folders, or folders both of
// which are, contain or lie inside the existing session's (CheckOverlap). Such
// sessions fight over the files they share, each taking the other's changes for the
// user's, and they are most often made by mistake. A folder, or a folder inside it,
// synchronized with several others (fan-out: the same alpha to two hosts, a
// project's src/ to a build host beside the whole project to a backup) is deliberate
// and allowed. Folders compare after cleaning; local ones with their symbolic links
// resolved (ResolveRoot), remote ones by host and path as written, since the remote
// side is not asked: "~/x" and "/home/me/x" are not known to be the same. Two remote
// hosts may be the same when their names are equal and their users and ports are
// equal or unset (the ssh config may fill them in alike).

// folder is a root as compared for nesting.
type folder struct {
	engine     string // the container engine of a container's folder ("": a host's)
	host, user string // host "" for this machine; a container's name
	port       int
	path       string // cleaned; symbolic links resolved by ResolveRoot for local ones
}

func folderOf(u url.URL) folder {
	f := folder{engine: u.Engine, host: strings.ToLower(u.Host), user: u.User, port: u.Port}
	if u.IsLocal() {
		f.path = filepath.Clean(u.Path)
	} else {
		f.path = path.Clean(u.Path)
	}
	return f
}

// mayBeSameHost reports whether a and b may be on one machine.
func (a folder) mayBeSameHost(b folder) bool {
	if a.engine != b.engine || a.host != b.host {
		return false
	}
	if a.host == "" {
		return true
	}
	return (a.user == b.user || a.user == "" || b.user == "") && (a.port == b.port || a.port == 0 || b.port == 0)
}

// relation is how one folder lies relative to another.
type relation int

const (
	unrelated relation = iota
	sameFolder
	inside   // the first folder lies inside the second
	contains // the first folder contains the second
)

func (r relation) String() string {
	switch r {
	case sameFolder:
		return "is the same folder as"
	case inside:
		return "lies inside"
	case contains:
		return "contains"
	}
	return "is unrelated to"
}

// relate says how a lies relative to b.
func relate(a, b folder) relation {
	if !a.mayBeSameHost(b) {
		return unrelated
	}
	sep := "/"
	if a.host == "" {
		sep = string(filepath.Separator)
	}
	within := func(p, root string) bool {
		return strings.HasPrefix(p, strings.TrimSuffix(root, sep)+sep)
	}
	switch {
	case a.path == b.path:
		return sameFolder
	case within(a.path, b.path):
		return inside
	case within(b.path, a.path):
		return contains
	}
	return unrelated
}

// ResolveRoot returns u with a local path's symbolic links resolved, as far as the
// path exists (a root that is yet to be created resolves through its parent); a
// remote URL is returned as it is. It reads the file system only.
func ResolveRoot(u url.URL) url.URL {
	if !u.IsLocal() {
		return u
	}
	p := filepath.Clean(u.Path)
	var missing []string
	for {
		real, err := filepath.EvalSymlinks(p)
		if err == nil {
			u.Path = filepath.Join(append([]string{real}, missing...)...)
			return u
		}
		parent := filepath.Dir(p)
		if !errors.Is(err, os.ErrNotExist) || parent == p {
			return u
		}
		missing = append([]string{filepath.Base(p)}, missing...)
		p = parent
	}
}

// RootsError says why two roots cannot be synchronized together.
type RootsError struct {
	Alpha, Beta string // cleaned paths, or host:path for remote roots
	// How they nest; neither means they are the same folder.
	BetaInAlpha, AlphaInBeta bool
}

func (e *RootsError) Error() string {
	switch {
	case e.BetaInAlpha:
		return fmt.Sprintf("beta (%s) lies inside alpha (%s); choose folders that do not contain each other", e.Beta, e.Alpha)
	case e.AlphaInBeta:
		return fmt.Sprintf("alpha (%s) lies inside beta (%s); choose folders that do not contain each other", e.Alpha, e.Beta)
	}
	return fmt.Sprintf("alpha and beta are the same folder (%s); give two different folders", e.Alpha)
}

// CheckRoots refuses roots that are the same folder or nested, local or on one SSH
// host, with a *RootsError. It compares the URLs as given; Create resolves local
// symbolic links first (ResolveRoot).
func CheckRoots(a, b url.URL) error {
	fa, fb := folderOf(a), folderOf(b)
	rel := relate(fa, fb)
	if rel == unrelated {
		return nil
	}
	e := &RootsError{Alpha: fa.path, Beta: fb.path, BetaInAlpha: rel == contains, AlphaInBeta: rel == inside}
	if !a.IsLocal() {
		e.Alpha, e.Beta = url.URL{Host: a.Host, User: a.User, Port: a.Port, Path: fa.path}.String(), url.URL{Host: b.Host, User: b.User, Port: b.Port, Path: fb.path}.String()
	}
	return e
}

// ErrOverlap: both of a new session's folders are, contain or lie inside folders of
// an existing session; CreateRequest.Force creates the session anyway.
var ErrOverlap = errors.New("sessions overlap")

// OverlapError says how a new session's folder overlaps an existing session's.
type OverlapError struct {
	// Session is the existing session's name, or its identifier when it has none.
	Session string
	// Side and Root are the new session's side ("alpha" or "beta") and folder;
	// OtherSide and OtherRoot the existing session's. For SamePair, Root and OtherRoot
	// are the new session's alpha and beta.
	Side, Root, OtherSide, OtherRoot string
	// Relation is how Root lies relative to OtherRoot: inside or contains (or
	// sameFolder, when the new session's other root nests in the other session's), or
	// sameFolder for SamePair.
	Relation relation
	// SamePair: the two sessions sync the same two folders.
	SamePair bool
}

func (e *OverlapError) Error() string {
	const anyway = "pass --force (force in the API) to create it anyway"
	if e.SamePair {
		return fmt.Sprintf("session %s already syncs %s with %s; a second session on the same folders would fight it over every file: use that one, or %s",
			e.Session, e.Root, e.OtherRoot, anyway)
	}
	return fmt.Sprintf("%s (%s) %s %s of session %s (%s), and the other folders overlap too; two sessions syncing the same files fight over them: choose another folder, terminate %s first, or %s",
		e.Side, e.Root, e.Relation, e.OtherSide, e.Session, e.OtherRoot, e.Session, anyway)
}

func (e *OverlapError) Unwrap() error { return ErrOverlap }

// root is a side of a session with its folder, for CheckOverlap.
type root struct {
	side string
	url  url.URL
	f    folder
}

// CheckOverlap returns an *OverlapError when both of the new session's roots alpha
// and beta overlap (are, contain or lie inside) roots of one existing session, so
// that the same files would be synchronized by two sessions at once; otherwise nil.
// One root alone overlapping another session's is fan-out, at any depth (a folder,
// or a folder inside it, synchronized with several others) and allowed: each file
// still has one session per pair of places. It resolves the local roots' symbolic
// links on both sides (ResolveRoot); messages show the URLs as given. A session on
// the same two folders is reported as such; otherwise the first overlap found in
// existing's order.
func CheckOverlap(alpha, beta url.URL, existing []Spec) error {
	news := []root{{"alpha", alpha, folderOf(ResolveRoot(alpha))}, {"beta", beta, folderOf(ResolveRoot(beta))}}
	for _, s := range existing {
		olds, ok := specRoots(s)
		if !ok {
			continue
		}
		same := func(i, j int) bool { return relate(news[i].f, olds[j].f) == sameFolder }
		if (same(0, 0) && same(1, 1)) || (same(0, 1) && same(1, 0)) {
			return &OverlapError{Session: cmp.Or(s.Name, s.ID), Root: alpha.String(), OtherRoot: beta.String(),
				Relation: sameFolder, SamePair: true}
		}
	}
	for _, s := range existing {
		olds, ok := specRoots(s)
		if !ok {
			continue
		}
		// overlapOf is the first root of s that n overlaps, and how.
		overlapOf := func(n root) (root, relation) {
			for _, o := range olds {
				if rel := relate(n.f, o.f); rel != unrelated {
					return o, rel
				}
			}
			return root{}, unrelated
		}
		oa, ra := overlapOf(news[0])
		ob, rb := overlapOf(news[1])
		if ra == unrelated || rb == unrelated {
			continue
		}
		// Report a nesting rather than a shared folder: it is what differs from fan-out.
		n, o, rel := news[0], oa, ra
		if ra == sameFolder {
			n, o, rel = news[1], ob, rb
		}
		return &OverlapError{Session: cmp.Or(s.Name, s.ID), Side: n.side, Root: n.url.String(),
			OtherSide: o.side, OtherRoot: o.url.String(), Relation: rel}
	}
	return nil
}

// specRoots returns the resolved roots of an existing session; ok is false when its
// URLs do not parse (it cannot run either, and says so itself).
func specRoots(s Spec) ([2]root, bool) {
	var out [2]root
	for i, side := range []string{"alpha", "beta"} {
		u, err := url.Parse(s.url(side))
		if err != nil {
			return out, false
		}
		out[i] = root{side, u, folderOf(ResolveRoot(u))}
	}
	return out, true
}
