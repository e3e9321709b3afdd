package registry

import "sync"

// Subscribers calls the functions subscribed to a kind of state with every state
// published. The zero value has no subscribers and is ready to use.
type Subscribers[S any] struct {
	mu   sync.Mutex
	fns  map[int]func(S)
	next int
}

// Subscribe calls fn with every state published until cancel is called. fn runs on the
// publishing goroutine and must not block.
func (s *Subscribers[S]) Subscribe(fn func(S)) (cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fns == nil {
		s.fns = map[int]func(S){}
	}
	id := s.next
	s.next++
	s.fns[id] = fn
	return func() {
		s.mu.Lock()
		delete(s.fns, id)
		s.mu.Unlock()
	}
}

// Publish calls every subscriber with st, in turn.
func (s *Subscribers[S]) Publish(st S) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, fn := range s.fns {
		fn(st)
	}
}
