package bench

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

func TestPacerReleaseTimes(t *testing.T) {
	// 1,000 bytes/s: a byte is a millisecond.
	type chunk struct {
		at   time.Duration // arrival, after t0
		n    int
		want time.Duration // release, after t0
	}
	tests := []struct {
		name   string
		shape  Shape
		chunks []chunk
	}{
		{"delay only: each chunk travels the delay", Shape{Delay: ms(20)},
			[]chunk{{0, 5000, ms(20)}, {0, 5000, ms(20)}, {ms(3), 1, ms(23)}}},
		{"rate: back-to-back chunks queue behind each other", Shape{Rate: 1000},
			[]chunk{{0, 100, ms(100)}, {0, 100, ms(200)}, {ms(50), 10, ms(210)}}},
		{"rate and delay add", Shape{Delay: ms(20), Rate: 1000},
			[]chunk{{0, 100, ms(120)}, {0, 50, ms(170)}}},
		{"after an idle spell a chunk starts when it arrives", Shape{Delay: ms(20), Rate: 1000},
			[]chunk{{0, 100, ms(120)}, {ms(500), 100, ms(620)}}},
		{"the bucket lets a burst through, then paces", Shape{Rate: 1000, Burst: 100},
			[]chunk{{0, 60, 0}, {0, 40, 0}, {0, 10, ms(10)}, {0, 10, ms(20)}}},
		{"the bucket refills while idle, no deeper than it is", Shape{Rate: 1000, Burst: 100},
			[]chunk{{0, 100, 0}, {ms(50), 100, ms(100)}, {ms(1000), 150, ms(1050)}}},
		{"an end of stream (0 bytes) leaves behind what came before", Shape{Delay: ms(20), Rate: 1000},
			[]chunk{{0, 100, ms(120)}, {ms(1), 0, ms(120)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pacer{shape: tt.shape}
			for i, c := range tt.chunks {
				require.Equal(t, c.want, p.release(t0.Add(c.at), c.n).Sub(t0), "chunk %d", i)
			}
		})
	}
}

// TestPacerHonoursDelayAndRate checks, over random arrivals, what a link promises:
// bytes leave in order, none before arrival + delay, and by any moment no more than
// the bucket's depth plus the rate times the time since the first arrival have left.
func TestPacerHonoursDelayAndRate(t *testing.T) {
	shape := Shape{Delay: ms(20), Rate: 6.25e6, Burst: 16 << 10} // wan
	rng := rand.New(rand.NewPCG(1, 2))
	p := pacer{shape: shape}
	at := t0
	var last time.Time
	type out struct {
		at time.Time
		n  int
	}
	var released []out
	for range 5000 {
		at = at.Add(time.Duration(rng.IntN(3000)) * time.Microsecond)
		n := rng.IntN(20 << 10)
		r := p.release(at, n)
		require.False(t, r.Before(at.Add(shape.Delay)), "released before arrival + delay")
		require.False(t, r.Before(last), "released out of order")
		last = r
		released = append(released, out{r, n})
	}
	sent := 0
	for _, o := range released {
		sent += o.n
		allowed := float64(shape.Burst) + shape.Rate*o.at.Sub(t0.Add(shape.Delay)).Seconds()
		// 64 bytes of slack: each chunk's duration is rounded to a nanosecond.
		require.LessOrEqual(t, float64(sent), allowed+64, "more than the rate allows by %s", o.at.Sub(t0))
	}
}

func TestQueueHoldsTwoBandwidthDelayProducts(t *testing.T) {
	wan := LinkNamed("wan").Up
	require.Equal(t, 12500, segmentSize(wan)) // 2 ms at 6.25 MB/s
	require.Equal(t, 250_000, queueLimit(wan))
	lan := LinkNamed("lan").Up
	require.Equal(t, 64<<10, segmentSize(lan))
	require.Equal(t, 4*64<<10, queueLimit(lan)) // two BDPs (125 KB) are less than four segments
	require.Equal(t, 1<<10, segmentSize(Shape{Rate: 1000}))
}

func TestLinkProfiles(t *testing.T) {
	for name, want := range map[string]string{
		"lan": "lan (1 ms RTT, 1 Gbit/s each way)",
		"wan": "wan (40 ms RTT, 50 Mbit/s each way)",
		"far": "far (120 ms RTT, 10 Mbit/s each way)",
	} {
		l, err := ParseLink(name)
		require.NoError(t, err)
		require.Equal(t, want, l.String())
	}
	for _, none := range []string{"", "none", "loopback"} {
		l, err := ParseLink(none)
		require.NoError(t, err)
		require.True(t, l.IsZero())
		require.Equal(t, "loopback (no link)", l.String())
	}
	_, err := ParseLink("moon")
	require.ErrorContains(t, err, "lan, wan, far")
}

// TestProxyOverALinkKeepsBytesIntactAndInOrder sends random bytes through the link
// simulator to an echo server and back, both ways at once, and checks every byte
// arrives in order, the half-close passes through, and the counters saw everything.
func TestProxyOverALinkKeepsBytesIntactAndInOrder(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
				c.(*net.TCPConn).CloseWrite()
			}()
		}
	}()
	// Small segments and a short queue, so the data crosses many of each.
	link := Link{Name: "test", Up: Shape{Delay: ms(2), Rate: 40e6, Burst: 4 << 10},
		Down: Shape{Delay: ms(1), Rate: 20e6}}
	p, err := StartProxy(echo.Addr().String(), link)
	require.NoError(t, err)
	defer p.Close()

	data := make([]byte, 3<<20)
	io.ReadFull(randomReader(9), data)
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.Port()))
	require.NoError(t, err)
	defer c.Close()
	sent := make(chan error, 1)
	go func() {
		// Writes of odd sizes, so reads on the way split them differently.
		rest := data
		for len(rest) > 0 {
			k := min(len(rest), 1+len(rest)%7919)
			if _, err := c.Write(rest[:k]); err != nil {
				sent <- err
				return
			}
			rest = rest[k:]
		}
		sent <- c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c) // until the echo's half-close comes back through the link
	require.NoError(t, err)
	require.NoError(t, <-sent)
	require.True(t, bytes.Equal(data, got), "the echoed bytes differ from those sent (%d of %d bytes came back)", len(got), len(data))
	up, down := p.Bytes()
	require.Equal(t, int64(len(data)), up)
	require.Equal(t, int64(len(data)), down)
}

func TestSlugIsAPathElementPerTool(t *testing.T) {
	for tool, want := range map[string]string{
		"rsync -a": "rsync-a", "rsync -az": "rsync-az", "ferry": "ferry",
		"tar | ssh | tar": "tar-ssh-tar", "tar | zstd | ssh": "tar-zstd-ssh",
	} {
		require.Equal(t, want, slug(tool))
	}
}

func TestQuickRunOnLoopbackEndsWithAWANCase(t *testing.T) {
	ids := func(ws []Workload) (out []string) {
		for _, w := range ws {
			out = append(out, w.ID())
		}
		return out
	}
	all := []string{"W1", "W2", "W3", "W4", "W5", "W6", "W7"}
	require.Equal(t, append(all, "WAN"), ids(Workloads(Settings{Quick: true})))
	require.Equal(t, append(all, "SCALE"), ids(Workloads(Settings{})), "the scale case is in the full run")
	require.Equal(t, append(all, "SCALE"), ids(Workloads(Settings{Link: LinkNamed("wan")})))
	require.Equal(t, all, ids(Workloads(Settings{Quick: true, Link: LinkNamed("far")})))
	wan := Workloads(Settings{Quick: true})[7].(onLink)
	z := wan.sizes(SizesFor(true))
	require.Equal(t, "b", z.W1Cases)
	require.Equal(t, 1, z.W3Trees)
	require.Equal(t, SizesFor(true).SmallTree, z.SmallFiles)
}

func TestReportNamesEachTablesLink(t *testing.T) {
	wan := LinkNamed("wan").String()
	r := &Report{Groups: []Group{
		{Workload: "W2", Title: "(b) on loopback", Link: Link{}.String(), Rows: []Row{{Tool: "ferry", Unit: Seconds, Samples: []float64{1}}},
			Targets: []Target{{Row: "ferry", Stat: Median, Bound: 2, Text: "≤ 2 s"}}},
		{Workload: "W2", Title: "(b) over wan", Link: wan, Rows: []Row{{Tool: "ferry", Unit: Seconds, Samples: []float64{3}}},
			Targets: []Target{{Row: "ferry", Stat: Median, Bound: 2, Text: "≤ 2 s"}}},
	}}
	md := r.Markdown()
	require.Contains(t, md, "- Link: loopback (no link); the tables that say so are over "+wan+"\n")
	require.Contains(t, md, "#### W2 (b) on loopback\n\nLink: loopback (no link).\n")
	require.Contains(t, md, "#### W2 (b) over wan\n\nLink: "+wan+".\n")
	require.Contains(t, md, "- W2 (b) over wan (over "+wan+"): ferry median")
}
