package registry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff spaces out retries: each delay doubles, from Min up to Max, and is drawn at
// random from its upper half, so that sessions that failed together do not retry in
// step. The zero value must be given Min and Max before use.
type Backoff struct {
	Min, Max time.Duration
	cur      time.Duration
}

// Reset starts again from Min (after a success).
func (b *Backoff) Reset() { b.cur = 0 }

// Next returns the next delay and doubles the one after.
func (b *Backoff) Next() time.Duration {
	if b.cur < b.Min {
		b.cur = b.Min
	}
	d := b.cur/2 + rand.N(b.cur/2+1)
	b.cur = min(b.cur*2, b.Max)
	return d
}

// Wait waits for the next delay. It returns early, with false, when ctx is done, and
// with true when wake receives (a nil wake never does).
func (b *Backoff) Wait(ctx context.Context, wake <-chan struct{}) bool {
	t := time.NewTimer(b.Next())
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-wake:
	case <-t.C:
	}
	return true
}
