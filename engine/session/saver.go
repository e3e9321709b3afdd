package session

import (
	"sync"
	"time"

	"github.com/ferrysync/ferry/engine/tree"
)

// saveEvery bounds how often the ancestor snapshot is written while cycles run:
// encoding a large tree on every small edit would cost more than the edit. What the
// snapshot lacks is in the journal, which each snapshot compacts.
const saveEvery = time.Second

// saver writes ancestor snapshots on its own goroutine, the latest one first, at most
// every saveEvery, and compacts the journal once one is written; Flush writes what is
// pending and waits. Trees are immutable, so handing one over needs no copy.
type saver struct {
	dir     string
	journal *journal

	mu      sync.Mutex
	pending *tree.Entry
	seq     uint64
	has     bool
	running bool
	last    time.Time
	err     error
	waiters int
	idle    *sync.Cond
	kick    chan struct{} // cuts the wait short for a Flush
}

func newSaver(dir string, j *journal) *saver {
	s := &saver{dir: dir, journal: j, kick: make(chan struct{}, 1)}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// Save schedules anc, which includes the journal's records up to seq, to be written.
func (s *saver) Save(anc *tree.Entry, seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending, s.seq, s.has = anc, seq, true
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
		anc, seq := s.pending, s.seq
		s.has = false
		s.mu.Unlock()
		err := saveAncestor(s.dir, anc, seq)
		if err == nil && s.journal != nil {
			err = s.journal.compact(seq)
		}
		s.mu.Lock()
		s.last, s.err = time.Now(), err
		if err != nil && !s.has && !s.flushing() {
			s.pending, s.seq, s.has = anc, seq, true // retry, unless something newer came
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
