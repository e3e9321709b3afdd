package server

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/protocol"
)

// Bounds of a stop: how long a client may take to receive daemon/stopping, and how
// long running requests may take to reply once the sessions have stopped.
const (
	announceTimeout = 2 * time.Second
	drainTimeout    = 5 * time.Second
)

// markStopping records that the daemon stops, and why: from now on requests get
// CodeShuttingDown. It reports false if the daemon was already stopping.
func (s *Server) markStopping(info protocol.DaemonStopping) bool {
	s.stopMu.Lock()
	defer s.stopMu.Unlock()
	if s.stopping {
		return false
	}
	s.stopping, s.stopInfo = true, info
	return true
}

// stoppingInfo says whether the daemon is stopping, and why.
func (s *Server) stoppingInfo() (protocol.DaemonStopping, bool) {
	s.stopMu.Lock()
	defer s.stopMu.Unlock()
	return s.stopInfo, s.stopping
}

// Announce marks the server as stopping and sends daemon/stopping to every
// initialized client, waiting (briefly) until each has been written. Requests that
// arrive from now on get CodeShuttingDown.
func (s *Server) Announce(info protocol.DaemonStopping) {
	s.markStopping(info)
	s.mu.Lock()
	cs := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range cs {
		c.mu.Lock()
		ok, conn := c.initialized, c.conn
		c.mu.Unlock()
		if !ok || conn == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), announceTimeout)
			defer cancel()
			conn.Notify(ctx, protocol.NotifyDaemonStopping, info)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(announceTimeout):
	}
}

// busy says what keeps the daemon from being idle, for asker's daemon/shutdown with
// ifIdle; "" when idle. Idle means: no client connected but asker, no sync session
// staging, transitioning or saving (mid-transfer), and no forward with an open
// connection. Sessions and forwards are persisted, so an idle restart loses nothing:
// they resume in the next daemon.
//
// A client that has just closed its connection (a CLI command that ended an instant
// ago) may not have been noticed yet: other clients get a few seconds to go away.
func (s *Server) busy(asker *client) string {
	var why []string
	others := s.otherClients(asker, othersGrace)
	if len(others) > 0 {
		why = append(why, fmt.Sprintf("%s connected (%s)", plural(len(others), "other client"), strings.Join(others, ", ")))
	}
	if states, err := s.m.List(registry.Selection{}); err == nil {
		for _, st := range states {
			switch st.Status {
			case session.StatusStagingAlpha, session.StatusStagingBeta, session.StatusTransitioning, session.StatusSaving:
				why = append(why, fmt.Sprintf("sync session %s is %s", label(st.Spec.Name, st.Spec.ID), st.Status))
			}
		}
	}
	if states, err := s.f.List(registry.Selection{}); err == nil {
		for _, st := range states {
			if st.Open > 0 {
				why = append(why, fmt.Sprintf("forward %s has %s", forwardLabel(st), plural(int(st.Open), "open connection")))
			}
		}
	}
	return strings.Join(why, "; ")
}

// othersGrace is how long an idle check waits for other clients to disconnect.
const othersGrace = 3 * time.Second

// otherClients names the clients connected besides asker, once none is left or
// after grace.
func (s *Server) otherClients(asker *client, grace time.Duration) []string {
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		var others []string
		for c := range s.clients {
			if c == asker {
				continue
			}
			c.mu.Lock()
			name := c.name
			c.mu.Unlock()
			if name == "" {
				name = "unnamed"
			}
			others = append(others, name)
		}
		left := s.left
		s.mu.Unlock()
		if len(others) == 0 {
			return nil
		}
		select {
		case <-left:
		case <-deadline.C:
			return others
		}
	}
}

func forwardLabel(st forward.State) string { return label(st.Spec.Name, st.Spec.ID) }

func label(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
