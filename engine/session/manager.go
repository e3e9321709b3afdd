package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/reconcile"
	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/url"
)

// Errors of the session API. registry.Each message says what to do.
var (
	// ErrHalted: the session is halted by a safety check; the error's text says why.
	ErrHalted = errors.New("session halted")
)

// EndpointRequest asks a transport for one side of a session.
type EndpointRequest struct {
	URL     url.URL
	Session string
	// Side is "alpha" or "beta".
	Side string
	// StateDir is the session's directory in the daemon's data directory.
	StateDir string
	Config   SyncConfig
	// Create: the root may be created if it is missing and its parent exists (only
	// when a session is created).
	Create bool
}

// Opener opens an endpoint. Local and remote URLs go to different transports.
type Opener func(ctx context.Context, req EndpointRequest) (endpoint.Endpoint, error)

// Transports are the openers the manager uses, by kind of URL.
type Transports struct {
	// Local opens endpoints on this machine.
	Local Opener
	// Remote opens endpoints on SSH hosts; nil where none is configured.
	Remote Opener
}

// Manager hosts every sync session of a daemon.
type Manager struct {
	dir        string
	transports Transports
	log        Logger

	mu       sync.Mutex
	sessions map[string]*controller
	closed   bool

	subs registry.Subscribers[State]
}

// NewManager loads the sessions persisted under dataDir and starts those not paused.
func NewManager(dataDir string, t Transports, log Logger) (*Manager, error) {
	m := &Manager{dir: filepath.Join(dataDir, "sync"), transports: t, log: log,
		sessions: map[string]*controller{}}
	if err := os.MkdirAll(m.dir, 0o700); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(m.dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.IsDir() || !registry.IsID(e.Name()) {
			continue
		}
		dir := filepath.Join(m.dir, e.Name())
		spec, err := loadSpec(dir)
		if err != nil {
			continue // an interrupted create; nothing to resume
		}
		m.sessions[spec.ID] = newController(m, dir, spec)
	}
	for _, c := range m.sessions {
		c.start()
	}
	return m, nil
}

// Subscribe calls fn with every state a session publishes, until cancel is called.
// fn runs on the publishing goroutine and must not block.
func (m *Manager) Subscribe(fn func(State)) (cancel func()) { return m.subs.Subscribe(fn) }

func (m *Manager) publish(s State) { m.subs.Publish(s) }

// open opens one side of a session.
func (m *Manager) open(ctx context.Context, spec Spec, dir, side string) (endpoint.Endpoint, error) {
	raw := spec.Alpha
	if side == "beta" {
		raw = spec.Beta
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	return m.transport(u)(ctx, EndpointRequest{URL: u, Session: spec.ID, Side: side, StateDir: dir, Config: spec.Config.ForSide(side)})
}

func (m *Manager) transport(u url.URL) Opener {
	if u.IsLocal() {
		return m.transports.Local
	}
	if m.transports.Remote == nil {
		return func(context.Context, EndpointRequest) (endpoint.Endpoint, error) {
			return nil, fmt.Errorf("this ferry build cannot reach %s: it has no SSH transport", u.Host)
		}
	}
	return m.transports.Remote
}

// CreateRequest describes a new sync session.
type CreateRequest struct {
	Name        string
	Labels      map[string]string
	Alpha, Beta string
	Config      SyncConfig
	Paused      bool
	// Force creates the session even when a folder overlaps another session's
	// (ErrOverlap).
	Force bool
}

// Create validates and creates a session, connects both sides (which fails the create
// if either is unreachable), and starts it unless paused. A folder that overlaps
// another session's fails it with an *OverlapError (ErrOverlap) unless req.Force is
// set. On failure nothing is left behind.
func (m *Manager) Create(ctx context.Context, req CreateRequest) (State, error) {
	if err := registry.ValidateName(req.Name); err != nil {
		return State{}, registry.Errorf(registry.ErrInvalid, "%v", err)
	}
	if err := registry.ValidateLabels(req.Labels); err != nil {
		return State{}, registry.Errorf(registry.ErrInvalid, "%v", err)
	}
	if err := req.Config.Validate(); err != nil {
		return State{}, registry.Errorf(registry.ErrInvalid, "%v", err)
	}
	alpha, err := url.Parse(req.Alpha)
	if err != nil {
		return State{}, registry.Errorf(registry.ErrInvalid, "alpha: %v", err)
	}
	beta, err := url.Parse(req.Beta)
	if err != nil {
		return State{}, registry.Errorf(registry.ErrInvalid, "beta: %v", err)
	}
	if err := CheckRoots(ResolveRoot(alpha), ResolveRoot(beta)); err != nil {
		return State{}, registry.Errorf(registry.ErrInvalid, "%v", err)
	}
	var overlap error
	if !req.Force {
		// Outside the lock, as it reads the file system: two creates racing on one
		// folder may both pass, which the check is not there to prevent.
		overlap = CheckOverlap(alpha, beta, m.specs())
	}
	spec := Spec{ID: registry.NewID("sync"), Name: req.Name, Labels: req.Labels,
		Alpha: alpha.String(), Beta: beta.String(), Config: req.Config.withDefaults(),
		Paused: req.Paused, CreatedAt: time.Now().UTC()}

	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return State{}, errors.New("the daemon is shutting down")
	}
	if req.Name != "" {
		for _, c := range m.sessions {
			if c.snapshot().Spec.Name == req.Name {
				m.mu.Unlock()
				return State{}, registry.Errorf(registry.ErrExists, "a session named %q exists; choose another name or terminate it first", req.Name)
			}
		}
	}
	if overlap != nil {
		// After the name, which needs no question to fix.
		m.mu.Unlock()
		return State{}, overlap
	}
	dir := filepath.Join(m.dir, spec.ID)
	// Reserve the name while connecting.
	c := newController(m, dir, spec)
	m.sessions[spec.ID] = c
	m.mu.Unlock()

	fail := func(err error) (State, error) {
		m.mu.Lock()
		delete(m.sessions, spec.ID)
		m.mu.Unlock()
		os.RemoveAll(dir)
		return State{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	// Connect both sides now, so an unreachable host fails the create; the session then
	// starts on these endpoints (a paused one closes them).
	var opened []endpoint.Endpoint
	closeOpened := func() {
		for _, e := range opened {
			e.Close()
		}
	}
	for _, side := range []struct {
		name string
		u    url.URL
	}{{"alpha", alpha}, {"beta", beta}} {
		e, err := m.transport(side.u)(ctx, EndpointRequest{URL: side.u, Session: spec.ID, Side: side.name,
			StateDir: dir, Config: spec.Config.ForSide(side.name), Create: true})
		if err != nil {
			closeOpened()
			return fail(fmt.Errorf("%s: %w", side.name, err))
		}
		opened = append(opened, e)
	}
	if err := saveSpec(dir, spec); err != nil {
		closeOpened()
		return fail(fmt.Errorf("saving the session: %w", err))
	}
	if req.Paused {
		closeOpened()
	} else {
		c.mu.Lock()
		c.initial = [2]endpoint.Endpoint{opened[0], opened[1]}
		c.mu.Unlock()
	}
	c.update(func(s *State) {
		if !req.Paused {
			s.Alpha.Link, s.Beta.Link = LinkConnected, LinkConnected
		}
	})
	c.logf(LevelInfo, "created, %s <-> %s (%s)", spec.Alpha, spec.Beta, spec.Config.Mode)
	c.start()
	return c.snapshot(), nil
}

// specs returns the specifications of every session, in creation order.
func (m *Manager) specs() []Spec {
	m.mu.Lock()
	out := make([]Spec, 0, len(m.sessions))
	for _, c := range m.sessions {
		out = append(out, c.snapshot().Spec)
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Spec) int { return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID)) })
	return out
}

// selectSessions returns the sessions a selection names, in creation order. An empty
// selection selects every session when allowEmpty is set.
func (m *Manager) selectSessions(sel registry.Selection, allowEmpty bool) ([]*controller, error) {
	m.mu.Lock()
	all := make([]*controller, 0, len(m.sessions))
	for _, c := range m.sessions {
		all = append(all, c)
	}
	m.mu.Unlock()
	return registry.Select(all, func(c *controller) registry.Identity {
		s := c.snapshot().Spec
		return registry.Identity{ID: s.ID, Name: s.Name, Labels: s.Labels, CreatedAt: s.CreatedAt}
	}, sel, allowEmpty, "sync")
}

// List returns the states of the selected sessions (every session for an empty
// selection).
func (m *Manager) List(sel registry.Selection) ([]State, error) {
	cs, err := m.selectSessions(sel, true)
	if err != nil {
		return nil, err
	}
	out := make([]State, len(cs))
	for i, c := range cs {
		out[i] = c.snapshot()
	}
	return out, nil
}

// Conflicts returns every conflict of each selected session, by identifier.
func (m *Manager) Conflicts(sel registry.Selection) (map[string][]reconcile.Conflict, error) {
	cs, err := m.selectSessions(sel, true)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]reconcile.Conflict, len(cs))
	for _, c := range cs {
		c.mu.Lock()
		out[c.state.Spec.ID] = slices.Clone(c.all)
		c.mu.Unlock()
	}
	return out, nil
}

// Pause stops the selected sessions; they stay paused across daemon restarts.
func (m *Manager) Pause(sel registry.Selection) error {
	return m.each(sel, func(c *controller) error {
		if err := c.setPaused(true); err != nil {
			return err
		}
		c.stop()
		c.update(func(s *State) {
			s.Status, s.Staging = StatusPaused, nil
			s.Alpha.Link, s.Beta.Link = LinkPaused, LinkPaused
		})
		c.logf(LevelInfo, "paused")
		return nil
	})
}

// Resume restarts the selected paused sessions.
func (m *Manager) Resume(sel registry.Selection) error {
	return m.each(sel, func(c *controller) error {
		if err := c.setPaused(false); err != nil {
			return err
		}
		c.update(func(s *State) {
			if s.Status == StatusPaused {
				s.Status = StatusConnectingAlpha
				s.Alpha.Link, s.Beta.Link = LinkConnecting, LinkConnecting
			}
		})
		c.logf(LevelInfo, "resumed")
		c.start()
		return nil
	})
}

// FlushOptions say what a flush asks of the cycle it requests.
type FlushOptions struct {
	// SkipWait returns as soon as the cycles are requested.
	SkipWait bool
	// AllowDeletions lets the cycle propagate a mass deletion that halted the session.
	AllowDeletions bool
}

// Flush runs a cycle on each selected session and, unless opts.SkipWait, waits until
// each has completed one that started after the request; every change made on either
// side before Flush was called is in that cycle.
func (m *Manager) Flush(ctx context.Context, sel registry.Selection, opts FlushOptions) error {
	cs, err := m.selectSessions(sel, false)
	if err != nil {
		return err
	}
	var waits []<-chan error
	var names []string
	for _, c := range cs {
		ch, err := c.flush(nil, opts.AllowDeletions)
		if err != nil {
			return fmt.Errorf("%s: %w", c.label(), err)
		}
		waits, names = append(waits, ch), append(names, c.label())
	}
	if opts.SkipWait {
		return nil
	}
	for i, ch := range waits {
		select {
		case err := <-ch:
			if err != nil {
				return fmt.Errorf("%s: %w", names[i], err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Reset forgets the selected sessions' ancestors: the next cycle merges the two sides
// as a first one does (equal content agrees, differing content conflicts in safe
// modes).
func (m *Manager) Reset(sel registry.Selection) error {
	return m.each(sel, func(c *controller) error {
		c.stop()
		var err error
		for _, f := range []string{ancestorFile, journalFile, replicasFile} {
			if e := os.Remove(filepath.Join(c.dir, f)); e != nil && !errors.Is(e, fs.ErrNotExist) {
				err = e
				break
			}
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.start()
			return err
		}
		c.mu.Lock()
		c.all = nil
		c.derived = [2]derived{}
		c.rootIDs = [2]string{}
		c.mu.Unlock()
		c.update(func(s *State) { s.Conflicts, s.ConflictCount, s.LastError = nil, 0, "" })
		c.logf(LevelInfo, "reset: the next cycle merges both sides as a first one")
		c.start()
		return nil
	})
}

// Terminate stops the selected sessions and deletes their state. Synchronized files
// stay as they are on both sides.
func (m *Manager) Terminate(sel registry.Selection) error {
	return m.each(sel, func(c *controller) error {
		c.stop()
		m.mu.Lock()
		delete(m.sessions, c.state.Spec.ID)
		m.mu.Unlock()
		c.failWaiters(errors.New("the session was terminated"))
		err := removeDir(c.dir)
		c.update(func(s *State) { s.Terminated, s.Staging = true, nil })
		c.logf(LevelInfo, "terminated")
		return err
	})
}

func (m *Manager) each(sel registry.Selection, fn func(*controller) error) error {
	cs, err := m.selectSessions(sel, false)
	if err != nil {
		return err
	}
	return registry.Each(cs, (*controller).label, fn)
}

// Close stops every session without changing what is persisted.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	cs := make([]*controller, 0, len(m.sessions))
	for _, c := range m.sessions {
		cs = append(cs, c)
	}
	m.mu.Unlock()
	registry.StopAll(cs, (*controller).stop)
}

// setPaused records the paused flag persistently.
func (c *controller) setPaused(paused bool) error {
	c.mu.Lock()
	spec := c.state.Spec
	spec.Paused = paused
	c.mu.Unlock()
	if err := saveSpec(c.dir, spec); err != nil {
		return fmt.Errorf("saving the session: %w", err)
	}
	c.mu.Lock()
	c.state.Spec.Paused = paused
	c.mu.Unlock()
	return nil
}

// label names a session in messages.
func (c *controller) label() string {
	s := c.snapshot().Spec
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

// ResolveResult reports a resolution of conflicts.
type ResolveResult struct {
	Resolved []string
	Failed   []endpoint.Problem
}

// Resolve settles conflicts of one session (all of them when paths is empty) by
// keeping alpha's or beta's version, and returns when the resolving cycle completed.
func (m *Manager) Resolve(ctx context.Context, name string, paths []string, keepAlpha bool) (ResolveResult, error) {
	cs, err := m.selectSessions(registry.Selection{Specs: []string{name}}, false)
	if err != nil {
		return ResolveResult{}, err
	}
	c := cs[0]
	r := &resolution{keepAlpha: keepAlpha}
	if len(paths) > 0 {
		r.paths = map[string]bool{}
		for _, p := range paths {
			r.paths[p] = true
		}
	}
	ch, err := c.flush(r, false)
	if err != nil {
		return ResolveResult{}, fmt.Errorf("%s: %w", c.label(), err)
	}
	select {
	case err := <-ch:
		if err != nil {
			return ResolveResult{}, fmt.Errorf("%s: %w", c.label(), err)
		}
	case <-ctx.Done():
		return ResolveResult{}, ctx.Err()
	}
	slices.Sort(r.resolved)
	return ResolveResult{Resolved: r.resolved, Failed: r.failed}, nil
}

// connected returns a connected side ("alpha" or "beta") of the named session.
func (m *Manager) connected(name, side string) (endpoint.Endpoint, error) {
	cs, err := m.selectSessions(registry.Selection{Specs: []string{name}}, false)
	if err != nil {
		return nil, err
	}
	c := cs[0]
	i := 0
	switch side {
	case "alpha":
	case "beta":
		i = 1
	default:
		return nil, registry.Errorf(registry.ErrInvalid, "side must be alpha or beta, not %q", side)
	}
	e := c.endpoint(i)
	if e == nil {
		return nil, fmt.Errorf("%s is not connected (%s); resume it or wait for it to reconnect", c.label(), c.snapshot().Status)
	}
	return e, nil
}

// ReadFile reads a file on one side ("alpha" or "beta") of a connected session.
func (m *Manager) ReadFile(ctx context.Context, name, side, path string, limit int64) ([]byte, error) {
	e, err := m.connected(name, side)
	if err != nil {
		return nil, err
	}
	return e.ReadFile(ctx, path, limit)
}

// Trash lists the trash of one side of a connected session.
func (m *Manager) Trash(ctx context.Context, name, side string) ([]endpoint.TrashItem, error) {
	e, err := m.connected(name, side)
	if err != nil {
		return nil, err
	}
	return e.Trash(ctx)
}

// RestoreRequest names a trash item and where to put it.
type RestoreRequest struct {
	// Side is "alpha" or "beta".
	Side string
	// Batch and Path name the item; an empty Batch means the newest item at Path.
	Batch, Path string
	// To is where to restore it, relative to the root; empty means Path.
	To string
}

// Restore copies a trash item back under one side's root (never over anything) and
// returns the restored path; the next cycle propagates it.
func (m *Manager) Restore(ctx context.Context, name string, req RestoreRequest) (string, error) {
	e, err := m.connected(name, req.Side)
	if err != nil {
		return "", err
	}
	batch := req.Batch
	if batch == "" {
		items, err := e.Trash(ctx)
		if err != nil {
			return "", err
		}
		for _, it := range items {
			if it.Path == req.Path {
				batch = it.Batch
				break
			}
		}
		if batch == "" {
			return "", registry.Errorf(registry.ErrNotFound, "%s is not in %s's trash; \"ferry sync trash %s\" lists what is", req.Path, req.Side, name)
		}
	}
	to := req.To
	if to == "" {
		to = req.Path
	}
	return to, e.Restore(ctx, batch, req.Path, to)
}
