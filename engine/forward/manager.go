package forward

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/registry"
)

// Manager hosts every forward session of a daemon.
type Manager struct {
	dir    string
	local  SideOpener
	remote SideOpener
	log    func(level, id, msg string)

	mu       sync.Mutex
	sessions map[string]*controller
	closed   bool

	subs registry.Subscribers[State]
}

// NewManager loads the forwards persisted under dataDir and starts those not paused.
// remote opens sides on SSH hosts (nil: none reachable); log receives log lines.
func NewManager(dataDir string, local, remote SideOpener, log func(level, id, msg string)) (*Manager, error) {
	m := &Manager{dir: filepath.Join(dataDir, "forward"), local: local, remote: remote, log: log,
		sessions: map[string]*controller{}}
	if err := os.MkdirAll(m.dir, 0o700); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(m.dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		dir := filepath.Join(m.dir, e.Name())
		spec, err := loadSpec(dir)
		if err != nil {
			continue
		}
		src, err1 := ParseAddress(spec.Source, "")
		dst, err2 := ParseAddress(spec.Destination, "")
		if err1 != nil || err2 != nil {
			continue
		}
		m.sessions[spec.ID] = newController(m, dir, spec, src, dst)
	}
	for _, c := range m.sessions {
		c.start()
	}
	return m, nil
}

func (m *Manager) logf(level string, c *controller, format string, args ...any) {
	if m.log != nil {
		m.log(level, c.snapshot().Spec.ID, c.label()+": "+fmt.Sprintf(format, args...))
	}
}

// Subscribe calls fn with every state a forward publishes until cancel is called; fn
// must not block.
func (m *Manager) Subscribe(fn func(State)) (cancel func()) { return m.subs.Subscribe(fn) }

func (m *Manager) publish(s State) { m.subs.Publish(s) }

// open opens the side for an address.
func (m *Manager) open(ctx context.Context, a Address) (Side, error) {
	if a.IsLocal() {
		return m.local(ctx, a)
	}
	if m.remote == nil {
		return nil, fmt.Errorf("this ferry build cannot reach %s: it has no SSH transport", a.Host.Host)
	}
	return m.remote(ctx, a)
}

// CreateRequest describes a new forward session.
type CreateRequest struct {
	Name                string
	Labels              map[string]string
	Source, Destination string
	SocketMode          fs.FileMode
	SocketOverwrite     bool
	Paused              bool
}

// createTimeout bounds how long a create waits for the listener and destination.
const createTimeout = 2 * time.Minute

// Create validates a forward, starts listening (failing if the source cannot listen or
// the destination's host cannot be reached), and persists it. On failure nothing is
// left behind.
func (m *Manager) Create(ctx context.Context, req CreateRequest) (State, error) {
	if err := registry.ValidateName(req.Name); err != nil {
		return State{}, registry.Errorf(registry.ErrInvalid, "%v", err)
	}
	if err := registry.ValidateLabels(req.Labels); err != nil {
		return State{}, registry.Errorf(registry.ErrInvalid, "%v", err)
	}
	src, err := ParseAddress(req.Source, "")
	if err != nil {
		return State{}, registry.Errorf(registry.ErrInvalid, "source: %v", err)
	}
	dst, err := ParseAddress(req.Destination, "")
	if err != nil {
		return State{}, registry.Errorf(registry.ErrInvalid, "destination: %v", err)
	}
	if req.SocketMode&^fs.ModePerm != 0 {
		return State{}, registry.Errorf(registry.ErrInvalid, "socket mode %o has bits beyond the permissions", req.SocketMode)
	}
	spec := Spec{ID: registry.NewID("fwrd"), Name: req.Name, Labels: req.Labels,
		Source: src.String(), Destination: dst.String(), SocketMode: req.SocketMode,
		SocketOverwrite: req.SocketOverwrite, Paused: req.Paused, CreatedAt: time.Now().UTC()}

	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return State{}, errors.New("the daemon is shutting down")
	}
	if req.Name != "" {
		for _, c := range m.sessions {
			if c.snapshot().Spec.Name == req.Name {
				m.mu.Unlock()
				return State{}, registry.Errorf(registry.ErrExists, "a forward named %q exists; choose another name or terminate it first", req.Name)
			}
		}
	}
	dir := filepath.Join(m.dir, spec.ID)
	c := newController(m, dir, spec, src, dst)
	m.sessions[spec.ID] = c
	m.mu.Unlock()
	fail := func(err error) (State, error) {
		c.stop()
		m.mu.Lock()
		delete(m.sessions, spec.ID)
		m.mu.Unlock()
		os.RemoveAll(dir)
		return State{}, err
	}
	if err := saveSpec(dir, spec); err != nil {
		return fail(fmt.Errorf("saving the forward: %w", err))
	}
	first := make(chan error, 1)
	c.mu.Lock()
	c.first = first
	c.mu.Unlock()
	c.start()
	if !req.Paused {
		select {
		case err := <-first:
			if err != nil {
				return fail(err)
			}
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(createTimeout):
			return fail(errors.New("the forward did not start within 2 minutes"))
		}
	}
	c.update(func(*State) {})
	m.logf("info", c, "created, %s -> %s", spec.Source, spec.Destination)
	return c.snapshot(), nil
}

func (m *Manager) selectForwards(sel registry.Selection, allowEmpty bool) ([]*controller, error) {
	m.mu.Lock()
	all := make([]*controller, 0, len(m.sessions))
	for _, c := range m.sessions {
		all = append(all, c)
	}
	m.mu.Unlock()
	return registry.Select(all, func(c *controller) registry.Identity {
		s := c.snapshot().Spec
		return registry.Identity{ID: s.ID, Name: s.Name, Labels: s.Labels, CreatedAt: s.CreatedAt}
	}, sel, allowEmpty, "forward")
}

// List returns the states of the selected forwards (all for an empty selection).
func (m *Manager) List(sel registry.Selection) ([]State, error) {
	cs, err := m.selectForwards(sel, true)
	if err != nil {
		return nil, err
	}
	out := make([]State, len(cs))
	for i, c := range cs {
		out[i] = c.snapshot()
	}
	return out, nil
}

// Pause closes the selected forwards' listeners until resumed.
func (m *Manager) Pause(sel registry.Selection) error {
	return m.each(sel, func(c *controller) error {
		if err := c.setPaused(true); err != nil {
			return err
		}
		c.stop()
		c.update(func(s *State) {
			s.Status = StatusPaused
			s.SourceConnected, s.DestinationConnected = false, false
		})
		m.logf("info", c, "paused")
		return nil
	})
}

// Resume restarts the selected paused forwards.
func (m *Manager) Resume(sel registry.Selection) error {
	return m.each(sel, func(c *controller) error {
		if err := c.setPaused(false); err != nil {
			return err
		}
		c.update(func(s *State) {
			if s.Status == StatusPaused {
				s.Status = StatusDisconnected
			}
		})
		m.logf("info", c, "resumed")
		c.start()
		return nil
	})
}

// Terminate stops the selected forwards and deletes them.
func (m *Manager) Terminate(sel registry.Selection) error {
	return m.each(sel, func(c *controller) error {
		c.stop()
		m.mu.Lock()
		delete(m.sessions, c.snapshot().Spec.ID)
		m.mu.Unlock()
		err := os.RemoveAll(c.dir)
		c.update(func(s *State) { s.Terminated = true })
		m.logf("info", c, "terminated")
		return err
	})
}

func (m *Manager) each(sel registry.Selection, fn func(*controller) error) error {
	cs, err := m.selectForwards(sel, false)
	if err != nil {
		return err
	}
	return registry.Each(cs, (*controller).label, fn)
}

// Close stops every forward without changing what is persisted.
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

func (c *controller) setPaused(paused bool) error {
	c.mu.Lock()
	spec := c.state.Spec
	spec.Paused = paused
	c.mu.Unlock()
	if err := saveSpec(c.dir, spec); err != nil {
		return fmt.Errorf("saving the forward: %w", err)
	}
	c.mu.Lock()
	c.state.Spec.Paused = paused
	c.mu.Unlock()
	return nil
}
