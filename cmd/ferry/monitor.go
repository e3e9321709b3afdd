package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ferrysync/ferry/protocol"
)

// monitor prints sessions' states as they change. On a terminal it keeps a block of
// lines, one per session in the order they first came, and redraws the block in
// place (cursor up, clear each line); otherwise it prints one line per change. In
// JSON mode it prints each new state as one compact JSON object per line. States
// older than one already shown (a lower Seq) are dropped.
type monitor struct {
	w     io.Writer
	tty   bool
	width int // terminal columns; lines are cut to fit so the block stays one line each (0: no limit)
	json  bool
	seq   map[string]uint64
	order []string
	lines map[string]string
	drawn int // lines of the block on screen
}

func newMonitor(w io.Writer, tty bool, width int) *monitor {
	return &monitor{w: w, tty: tty, width: width, seq: map[string]uint64{}, lines: map[string]string{}}
}

// newStdoutMonitor is a monitor for stdout, redrawing when it is a terminal.
func newStdoutMonitor(asJSON bool) *monitor {
	tty := isTerminal(os.Stdout)
	width := 0
	if tty {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			width = w
		}
	}
	m := newMonitor(os.Stdout, tty && !asJSON, width)
	m.json = asJSON
	return m
}

func (m *monitor) show(s protocol.SyncSession) error {
	if last, ok := m.seq[s.ID]; ok && s.Seq < last {
		return nil
	}
	m.seq[s.ID] = s.Seq
	if m.json {
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(m.w, "%s\n", b)
		return err
	}
	line := monitorLine(s)
	old, seen := m.lines[s.ID]
	if seen && old == line {
		return nil
	}
	if !seen {
		m.order = append(m.order, s.ID)
	}
	m.lines[s.ID] = line
	if !m.tty {
		_, err := fmt.Fprintln(m.w, line)
		return err
	}
	return m.redraw()
}

// redraw rewrites the block: up to its first line, then every line cleared and
// written again, the cursor left below the block.
func (m *monitor) redraw() error {
	var b []byte
	if m.drawn > 0 {
		b = fmt.Appendf(b, "\033[%dA", m.drawn)
	}
	for _, id := range m.order {
		b = fmt.Appendf(b, "\r\033[K%s\n", fitWidth(m.lines[id], m.width))
	}
	m.drawn = len(m.order)
	_, err := m.w.Write(b)
	return err
}

// fitWidth cuts a line to fewer than width columns (counting runes), marking the cut
// with "…"; width 0 means no limit.
func fitWidth(line string, width int) string {
	r := []rune(line)
	if width <= 1 || len(r) < width {
		return line
	}
	return string(r[:width-2]) + "…"
}

// monitorLine is a session's status in one line.
func monitorLine(s protocol.SyncSession) string {
	name := cmp.Or(s.Name, s.ID)
	if s.Terminated {
		return name + ": terminated"
	}
	line := fmt.Sprintf("%s: %s", name, describeStatus(s))
	if s.ConflictCount > 0 {
		line += " [" + counted(s.ConflictCount, "conflict") + "]"
	}
	if n := s.Alpha.ProblemCount + s.Beta.ProblemCount; n > 0 {
		line += " [" + counted(n, "problem") + "]"
	}
	if s.LastError != "" {
		line += " [error: " + s.LastError + "]"
	}
	return line
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// stateFeed queues the state notifications of a connection, so a command can start
// following before it knows which sessions it wants (nothing is lost between a
// create or list and the first notification it looks at).
type stateFeed struct {
	mu       sync.Mutex
	queue    []protocol.SyncSession
	stopping *protocol.DaemonStopping
	notify   chan struct{}
}

func newStateFeed() *stateFeed { return &stateFeed{notify: make(chan struct{}, 1)} }

// options makes a connection deliver its notifications to the feed.
func (f *stateFeed) options(o *client.ClientOptions) {
	o.Quiet = false
	o.OnState = func(s protocol.SyncSession) {
		f.mu.Lock()
		f.queue = append(f.queue, s)
		f.mu.Unlock()
		f.wake()
	}
	o.OnStopping = func(s protocol.DaemonStopping) {
		f.mu.Lock()
		f.stopping = &s
		f.mu.Unlock()
	}
}

func (f *stateFeed) wake() {
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

// take returns the queued states and empties the queue.
func (f *stateFeed) take() []protocol.SyncSession {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queue
	f.queue = nil
	return q
}

// closed is the error for a connection the daemon closed.
func (f *stateFeed) closed() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopping != nil {
		return &client.StoppedError{Info: *f.stopping}
	}
	return fmt.Errorf("the daemon closed the connection without saying why (it may have crashed); see its log")
}

// next waits for queued states, returning them, or the reason none will come.
func (f *stateFeed) next(ctx context.Context, c *client.Client) ([]protocol.SyncSession, error) {
	for {
		if q := f.take(); len(q) > 0 {
			return q, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.Done():
			if q := f.take(); len(q) > 0 {
				return q, nil
			}
			return nil, f.closed()
		case <-f.notify:
		}
	}
}

func syncMonitorCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "monitor [NAME|ID...]",
		Short: "Show a live status line per session, with staging progress (Ctrl-C to stop)",
		Long: `Shows a line per session that changes as the session does: its status, and while
files are staged the progress, as in
  docs: staging files on beta: 75% (8942/11782 files, 512 MiB/680 MiB, 41 MiB/s, ETA 4s) src/big.bin
On a terminal the lines are redrawn in place; otherwise each change prints a line.
With --json each state is printed as the API's session object, one per line. It
ends when every monitored session has been terminated.`,
	}
	sel := selectionFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print every state as a JSON object of the API, one per line")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		feed := newStateFeed()
		c, err := dial(ctx, true, feed.options)
		if err != nil {
			return err
		}
		defer c.Close()
		res, err := client.Call(ctx, c, protocol.SyncList, protocol.SyncListParams{Selection: sel(args)})
		if err != nil {
			return err
		}
		if len(res.Sessions) == 0 {
			return fmt.Errorf("no session to monitor; create one with \"ferry sync create ALPHA BETA\"")
		}
		mon := newStdoutMonitor(asJSON)
		wanted := map[string]bool{}
		for _, s := range res.Sessions {
			wanted[s.ID] = true
			if err := mon.show(s); err != nil {
				return err
			}
		}
		for len(wanted) > 0 {
			states, err := feed.next(ctx, c)
			if ctx.Err() != nil {
				return nil // Ctrl-C
			}
			if err != nil {
				return err
			}
			for _, s := range states {
				if !wanted[s.ID] {
					continue
				}
				if err := mon.show(s); err != nil {
					return err
				}
				if s.Terminated {
					delete(wanted, s.ID)
				}
			}
		}
		return nil
	}
	return cmd
}
