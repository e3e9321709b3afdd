package bench

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Unit says how a row's samples read.
type Unit int

const (
	Seconds        Unit = iota
	Bytes               // a size
	BytesPerSecond      // a rate
	CoreFraction        // CPU time over wall time: 1 is one core busy
	Ratio               // a plain number
)

// Format renders v in unit u.
func (u Unit) Format(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	switch u {
	case Seconds:
		return fmtDuration(v)
	case Bytes:
		return fmtBytes(v)
	case BytesPerSecond:
		return fmtBytes(v) + "/s"
	case CoreFraction:
		return fmt.Sprintf("%.2f%% of a core", v*100)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

func fmtDuration(s float64) string {
	switch a := math.Abs(s); {
	case a >= 10:
		return fmt.Sprintf("%.1f s", s)
	case a >= 1:
		return fmt.Sprintf("%.2f s", s)
	case a >= 0.01:
		return fmt.Sprintf("%.1f ms", s*1e3)
	case a >= 0.001:
		return fmt.Sprintf("%.2f ms", s*1e3)
	default:
		return fmt.Sprintf("%.0f µs", s*1e6)
	}
}

// fmtBytes uses decimal units (MB = 10^6 bytes), as the figures do.
func fmtBytes(b float64) string {
	switch a := math.Abs(b); {
	case a >= 1e9:
		return fmt.Sprintf("%.2f GB", b/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.1f MB", b/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.1f kB", b/1e3)
	default:
		return fmt.Sprintf("%.0f B", b)
	}
}

// commas writes n with thousands separators: 100,000.
func commas(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Stat is a statistic of a row's samples.
type Stat int

const (
	Median Stat = iota
	P95
	P99
	Min
	Max
	MinOverMedian // the slowest sample against the typical one (1: all equal)
)

func (s Stat) String() string {
	return [...]string{"median", "p95", "p99", "min", "max", "min/median"}[s]
}

// Of computes s over xs; NaN when xs is empty.
func (s Stat) Of(xs []float64) float64 {
	switch s {
	case Median:
		return quantile(xs, 0.5)
	case P95:
		return quantile(xs, 0.95)
	case P99:
		return quantile(xs, 0.99)
	case Min:
		return quantile(xs, 0)
	case Max:
		return quantile(xs, 1)
	case MinOverMedian:
		return quantile(xs, 0) / quantile(xs, 0.5)
	}
	return math.NaN()
}

// quantile interpolates linearly between the closest ranks.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	return s[lo] + (s[hi]-s[lo])*(pos-float64(lo))
}
