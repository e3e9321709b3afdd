package forward

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// Relay copies bytes both ways between a and b until both directions end, passing
// half-closes through, then closes both. out and in count the bytes from a to b and
// from b to a.
func Relay(a, b Conn, out, in *atomic.Uint64) {
	var wg sync.WaitGroup
	var once sync.Once
	abort := func() {
		once.Do(func() {
			a.Close()
			b.Close()
		})
	}
	pump := func(dst, src Conn, n *atomic.Uint64) {
		defer wg.Done()
		_, err := io.Copy(countingWriter{dst, n}, src)
		if err != nil && !errors.Is(err, io.EOF) {
			abort() // a reset or failure ends both directions
			return
		}
		dst.CloseWrite()
	}
	wg.Add(2)
	go pump(b, a, out)
	go pump(a, b, in)
	wg.Wait()
	abort()
}

type countingWriter struct {
	w io.Writer
	n *atomic.Uint64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if c.n != nil {
		c.n.Add(uint64(n))
	}
	return n, err
}
