package sshdtest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"
)

// lineKind is a kind of sshd log line that the harness counts.
type lineKind int

const (
	lineConnection lineKind = iota // "Connection from ..."
	lineAccepted                   // "Accepted publickey for ...", "Accepted password for ..."
)

var acceptedLine = regexp.MustCompile(`Accepted \S+ for `)

func classify(line string) (lineKind, bool) {
	switch {
	case strings.Contains(line, "Connection from "):
		return lineConnection, true
	case acceptedLine.MatchString(line):
		return lineAccepted, true
	}
	return 0, false
}

// logBuffer collects sshd's output across runs and lets tests wait on it.
type logBuffer struct {
	mu      sync.Mutex
	text    strings.Builder
	counts  map[lineKind]int
	changed chan struct{} // closed and replaced on every new line
}

func newLogBuffer() *logBuffer {
	return &logBuffer{counts: map[lineKind]int{}, changed: make(chan struct{})}
}

// readFrom appends r's lines until r ends, then closes r.
func (l *logBuffer) readFrom(r io.ReadCloser) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l.add(sc.Text())
	}
}

func (l *logBuffer) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.text.WriteString(line)
	l.text.WriteByte('\n')
	if k, ok := classify(line); ok {
		l.counts[k]++
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.String()
}

func (l *logBuffer) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.Len()
}

func (l *logBuffer) since(mark int) string { return l.String()[mark:] }

func (l *logBuffer) count(k lineKind) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[k]
}

// snapshot returns the text after mark and a channel closed on the next line.
func (l *logBuffer) snapshot(mark int) (string, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.String()[mark:], l.changed
}

// waitFor waits until the log after mark contains want, p exits, or the
// timeout passes.
func (l *logBuffer) waitFor(mark int, want string, p *process, timeout time.Duration) error {
	deadline := time.After(timeout)
	exited := p.exited
	for {
		text, changed := l.snapshot(mark)
		if strings.Contains(text, want) {
			return nil
		}
		select {
		case <-changed:
		case <-exited:
			// Let the last lines arrive, then look once more.
			select {
			case <-p.logsIn:
			case <-time.After(2 * time.Second):
			}
			if text, _ := l.snapshot(mark); strings.Contains(text, want) {
				return nil
			}
			return errors.New("sshd exited")
		case <-deadline:
			return fmt.Errorf("no %q in its log after %v", want, timeout)
		}
	}
}

// waitCount waits until the count of k is at least n or the timeout passes.
func (l *logBuffer) waitCount(k lineKind, n int, timeout time.Duration) {
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		c, changed := l.counts[k], l.changed
		l.mu.Unlock()
		if c >= n {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			return
		}
	}
}

// waitText waits until the whole log contains want or the timeout passes.
func (l *logBuffer) waitText(want string, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		text, changed := l.snapshot(0)
		if strings.Contains(text, want) {
			return true
		}
		select {
		case <-changed:
		case <-deadline:
			return false
		}
	}
}
