package session

import (
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/tree"
)

// saveEvery bounds how often the ancestor is written while cycles run: encoding a
// large tree on every small edit would cost more than the edit. An ancestor older than
// the last transitions is safe after a crash: what transitions made equal on both
// sides reads as agreement, and the worst a lost agreement can do is report a
// conflict where a propagation would have done.
const saveEvery = time.Second

// saver writes the ancestor on its own goroutine, the latest one first, at most every
// saveEvery; Flush writes what is pending and waits. Trees are immutable, so handing
// one over needs no copy.
type saver struct {
	dir string

	mu      sync.Mutex
	pending *tree.Entry
	has     bool
	running bool
	last    time.Time
	err     error
	waiters int
	idle    *sync.Cond
	kick    chan struct{} // cuts the wait short for a Flush
}

func newSaver(dir string) *saver {
	s := &saver{dir: dir, kick: make(chan struct{}, 1)}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// Save schedules anc to be written.
func (s *saver) Save(anc *tree.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending, s.has = anc, true
	if !s.running {
		s.running = true
		go s.loop()
	}
}

func (s *saver) loop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.has {
		if wait := saveEvery - time.Since(s.last); wait > 0 && !s.flushing() {
			s.mu.Unlock()
			select {
			case <-time.After(wait):
			case <-s.kick:
			}
			s.mu.Lock()
			continue
		}
		anc := s.pending
		s.has = false
		s.mu.Unlock()
		err := saveAncestor(s.dir, anc)
		s.mu.Lock()
		s.last, s.err = time.Now(), err
		if err != nil && !s.has && !s.flushing() {
			s.pending, s.has = anc, true // retry, unless something newer came
		}
	}
	s.running = false
	s.idle.Broadcast()
}

// flushing reports whether a Flush waits (under mu).
func (s *saver) flushing() bool { return s.waiters > 0 }

// Flush writes the pending ancestor now and waits; it returns the last write's error.
func (s *saver) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiters++
	select {
	case s.kick <- struct{}{}:
	default:
	}
	for s.running {
		s.idle.Wait()
	}
	s.waiters--
	return s.err
}

// Err returns the last write's error, so a failing disk stops the cycles.
func (s *saver) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
