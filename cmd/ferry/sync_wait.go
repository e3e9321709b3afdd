package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/protocol"
)

// createOutput is what "sync create" prints and waits for.
type createOutput struct {
	// wait follows the session until its first cycle has completed.
	wait bool
	// json prints the session object instead of a sentence (with wait, its state
	// after the first cycle; no progress is shown).
	json bool
}

func (o *createOutput) flags(cmd *cobra.Command) {
	cmd.Flags().BoolVarP(&o.wait, "wait", "w", false, "show progress until the first synchronization has completed; fail if the session halts or cannot connect")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the created session as the API's JSON object")
}

// runSyncCreate creates the session and prints it, then waits as o says.
func runSyncCreate(ctx context.Context, p protocol.SyncCreateParams, o createOutput) error {
	if o.wait && p.Paused {
		return fmt.Errorf("--wait waits for the first synchronization, which a paused session does not run; drop --paused or --wait")
	}
	// Notifications are followed from before the create, so none is missed.
	feed := newStateFeed()
	opts := func(*client.ClientOptions) {}
	if o.wait {
		opts = feed.options
	}
	c, err := dial(ctx, true, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := client.Call(ctx, c, protocol.SyncCreate, p)
	if msg, ok := overlapMessage(err); ok {
		if err := confirmOverlap(os.Stdin, os.Stderr, isTerminal(os.Stdin), msg); err != nil {
			return err
		}
		p.Force = true
		res, err = client.Call(ctx, c, protocol.SyncCreate, p)
	}
	if err != nil {
		return err
	}
	if !o.wait {
		if o.json {
			return printJSON(res.Session)
		}
		fmt.Printf("Created session %s\n", res.Session.ID)
		return nil
	}
	var mon *monitor
	if !o.json {
		fmt.Printf("Created session %s\n", res.Session.ID)
		mon = newStdoutMonitor(false)
	}
	s, err := waitFirstCycle(ctx, c, feed, res.Session, mon)
	if err != nil {
		return err
	}
	if o.json {
		return printJSON(s)
	}
	msg := "First synchronization completed"
	if s.ConflictCount > 0 {
		msg += fmt.Sprintf(", with %s (ferry sync conflicts %s)", counted(s.ConflictCount, "conflict"), s.ID)
	}
	if n := s.Alpha.ProblemCount + s.Beta.ProblemCount; n > 0 {
		msg += fmt.Sprintf(", with %s (ferry sync list --long %s)", counted(n, "problem"), s.ID)
	}
	fmt.Println(msg + ".")
	return nil
}

// waitFirstCycle follows a session until it has completed a cycle, showing its states
// on mon (if any). It fails when the session halts, is terminated, or loses a side
// with an error before that: it stays and retries, but a script waiting on it should
// not hang.
func waitFirstCycle(ctx context.Context, c *client.Client, feed *stateFeed, created protocol.SyncSession, mon *monitor) (protocol.SyncSession, error) {
	last := created
	check := func(s protocol.SyncSession) (bool, error) {
		if s.Seq < last.Seq {
			return false, nil
		}
		last = s
		if mon != nil {
			if err := mon.show(s); err != nil {
				return false, err
			}
		}
		return firstCycleOutcome(s)
	}
	if done, err := check(created); done || err != nil {
		return last, err
	}
	for {
		states, err := feed.next(ctx, c)
		if err != nil {
			return last, err
		}
		for _, s := range states {
			if s.ID != created.ID {
				continue
			}
			if done, err := check(s); done || err != nil {
				return last, err
			}
		}
	}
}

// firstCycleOutcome reports whether a state shows the first cycle completed, or an
// error when it shows that cycle will not come by itself.
func firstCycleOutcome(s protocol.SyncSession) (bool, error) {
	name := cmp.Or(s.Name, s.ID)
	switch {
	case s.Terminated:
		return false, fmt.Errorf("the session was terminated before its first synchronization completed")
	case s.Cycles > 0:
		return true, nil
	case strings.HasPrefix(s.Status, "halted-"):
		return false, fmt.Errorf("the session halted before its first synchronization: %s; it stays halted until the cause is gone (ferry sync list %s)", s.LastError, name)
	case s.Status == protocol.StatusDisconnected && s.LastError != "":
		return false, fmt.Errorf("the first synchronization failed: %s; the session stays and retries (ferry sync monitor %s follows it, ferry sync terminate %s removes it)", s.LastError, name, name)
	}
	return false, nil
}
