package bench

import (
	"fmt"
	"math"
	"net"
	"strings"
	"sync/atomic"
	"time"
)

// A Link is the shape of a simulated network path between the ssh clients and sshd:
// each direction has its own one-way delay and rate cap. The zero Link is no link at
// all (loopback, the proxy relays as fast as it can).
type Link struct {
	Name string // "wan"; "" for no link
	Up   Shape  // client to sshd
	Down Shape  // sshd to client
}

// A Shape is one direction of a Link: bytes read at time t leave at t + Delay, paced
// to Rate by a token bucket Burst bytes deep.
type Shape struct {
	Delay time.Duration // one way
	Rate  float64       // bytes per second; 0 for no cap
	Burst int           // bytes the bucket holds: what an idle link sends at once
}

// symmetric is a Link with the same shape both ways: rtt split evenly, bitsPerSecond
// each way.
func symmetric(name string, rtt time.Duration, bitsPerSecond float64) Link {
	s := Shape{Delay: rtt / 2, Rate: bitsPerSecond / 8, Burst: 16 << 10}
	return Link{Name: name, Up: s, Down: s}
}

// Links are the named profiles BENCH_LINK chooses from.
var Links = []Link{
	symmetric("lan", time.Millisecond, 1e9),
	symmetric("wan", 40*time.Millisecond, 50e6),
	symmetric("far", 120*time.Millisecond, 10e6),
}

// ParseLink returns the profile named name; "", "none" and "loopback" are no link.
func ParseLink(name string) (Link, error) {
	switch name {
	case "", "none", "loopback":
		return Link{}, nil
	}
	var names []string
	for _, l := range Links {
		if l.Name == name {
			return l, nil
		}
		names = append(names, l.Name)
	}
	return Link{}, fmt.Errorf("BENCH_LINK=%q: name one of %s, or none", name, strings.Join(names, ", "))
}

// LinkNamed is ParseLink for a name known to be a profile.
func LinkNamed(name string) Link {
	l, err := ParseLink(name)
	if err != nil {
		panic(err)
	}
	return l
}

// IsZero reports whether l is no link.
func (l Link) IsZero() bool { return l == Link{} }

// String describes l: "wan (40 ms RTT, 50 Mbit/s each way)", or "loopback (no link)".
func (l Link) String() string {
	if l.IsZero() {
		return "loopback (no link)"
	}
	rtt := l.Up.Delay + l.Down.Delay
	if l.Up == l.Down {
		return fmt.Sprintf("%s (%s RTT, %s each way)", l.Name, fmtDelay(rtt), fmtBits(l.Up.Rate))
	}
	return fmt.Sprintf("%s (%s RTT, %s up, %s down)", l.Name, fmtDelay(rtt), fmtBits(l.Up.Rate), fmtBits(l.Down.Rate))
}

func fmtDelay(d time.Duration) string {
	return strings.TrimSuffix(fmt.Sprintf("%.3g", float64(d)/float64(time.Millisecond)), ".0") + " ms"
}

func fmtBits(bytesPerSecond float64) string {
	switch bits := bytesPerSecond * 8; {
	case bits == 0:
		return "no rate cap"
	case bits >= 1e9:
		return fmt.Sprintf("%.3g Gbit/s", bits/1e9)
	default:
		return fmt.Sprintf("%.3g Mbit/s", bits/1e6)
	}
}

// A pacer computes when bytes come out of one direction of a link. It is pure: the
// caller says when bytes arrived, the pacer says when they leave, so tests need no
// clock. Arrivals must come in order (each no earlier than the one before).
//
// The rate is a token bucket in its GCRA form: busy is when the link would have sent
// everything given so far at Rate; a chunk may leave as soon as busy, less the
// bucket's depth, allows it. The chunk then travels Delay.
type pacer struct {
	shape Shape
	busy  time.Time
}

// release returns when n bytes that arrived at t leave the link (n may be 0: an
// end of stream, which keeps its place behind the bytes before it).
func (p *pacer) release(t time.Time, n int) time.Time {
	if p.shape.Rate <= 0 {
		return t.Add(p.shape.Delay)
	}
	if p.busy.Before(t) {
		p.busy = t
	}
	p.busy = p.busy.Add(p.duration(n))
	leave := p.busy.Add(-p.duration(p.shape.Burst))
	if leave.Before(t) {
		leave = t
	}
	return leave.Add(p.shape.Delay)
}

// duration is how long n bytes take at the rate.
func (p *pacer) duration(n int) time.Duration {
	return time.Duration(math.Round(float64(n) / p.shape.Rate * float64(time.Second)))
}

// segmentSize is the most one read takes in at once: about 2 ms of the rate (so a
// chunk's first byte waits no more than that for its last), between 1 and 64 KB.
func segmentSize(s Shape) int {
	if s.Rate <= 0 {
		return 64 << 10
	}
	return min(64<<10, max(1<<10, int(s.Rate*0.002)))
}

// queueLimit bounds the bytes a direction holds between reading and writing: two
// bandwidth-delay products (one in flight, and a router queue of one more, the usual
// rule of thumb), and at least four segments. Without a rate cap, 4 MB.
func queueLimit(s Shape) int {
	if s.Rate <= 0 {
		return 4 << 20
	}
	bdp := int(s.Rate * s.Delay.Seconds())
	return max(4*segmentSize(s), 2*bdp)
}

// segment is bytes read at one time and when they leave; eof marks the end of the
// stream, which leaves after the bytes before it.
type segment struct {
	buf     []byte
	release time.Time
	eof     bool
}

// shapeCopy copies src to dst through one direction of a link, counting what it
// reads into n, and passes the end of src on as a half-close of dst. A reader
// goroutine stamps each read with its release time and queues it; this goroutine
// waits for each in turn and writes it. The queue holds at most queueLimit(s) bytes:
// when it is full the reader stops reading, and TCP pushes back on the sender.
func shapeCopy(dst, src *net.TCPConn, s Shape, n *atomic.Int64) {
	seg := segmentSize(s)
	count := max(1, queueLimit(s)/seg)
	free := make(chan []byte, count)
	for range count {
		free <- make([]byte, seg)
	}
	line := make(chan segment, count+1) // never full: at most count buffers exist
	stopped := make(chan struct{})
	go func() {
		p := pacer{shape: s}
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-stopped:
				return
			}
			k, err := src.Read(buf)
			if k > 0 {
				n.Add(int64(k))
				line <- segment{buf: buf[:k], release: p.release(time.Now(), k)}
			} else {
				free <- buf
			}
			if err != nil {
				line <- segment{eof: true, release: p.release(time.Now(), 0)}
				return
			}
		}
	}()
	defer dst.CloseWrite()
	for sg := range line {
		if d := time.Until(sg.release); d > 0 {
			time.Sleep(d)
		}
		if sg.eof {
			return
		}
		if _, err := dst.Write(sg.buf); err != nil {
			close(stopped)
			src.CloseRead() // the reader may be waiting in Read
			return
		}
		free <- sg.buf[:cap(sg.buf)]
	}
}
