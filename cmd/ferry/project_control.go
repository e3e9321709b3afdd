package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/cmd/ferry/client"
	"github.com/ferrysync/ferry/engine/project"
	"github.com/ferrysync/ferry/protocol"
)

// projectControlCommand makes a command that applies syncOp and forwardOp (nil: the
// forwards are left alone) to the sessions of a project, found by its label as
// project stop finds them, and names each session it applied to.
func projectControlCommand(use, short string, syncOp, forwardOp *protocol.Request[protocol.Selection, protocol.None], done string) *cobra.Command {
	return &cobra.Command{
		Use:   use + " [DIR]",
		Short: short,
		Args:  dirArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := openProject(cmd.Context(), args)
			if err != nil {
				return err
			}
			defer r.Close()
			dir, id, c, s := r.dir, r.id, r.c, r.sessions
			switch {
			case s.count() == 0:
				return fmt.Errorf("project %s is not started; ferry project start first", dir)
			case forwardOp == nil && len(s.sync) == 0:
				return fmt.Errorf("project %s has no sync sessions to %s (forwards have no history)", dir, use)
			}
			sel := protocol.Selection{LabelSelector: project.Selector(id)}
			var errs []error
			if len(s.sync) > 0 {
				if _, err := client.Call(cmd.Context(), c, *syncOp, sel); err != nil {
					errs = append(errs, errors.New(rpcMessage(err)))
				} else {
					for _, st := range s.sync {
						fmt.Printf("%s sync %s: %s\n", done, entryOf(st.Name, st.Labels), sessionLabel(st))
					}
				}
			}
			if forwardOp != nil && len(s.forward) > 0 {
				if _, err := client.Call(cmd.Context(), c, *forwardOp, sel); err != nil {
					errs = append(errs, errors.New(rpcMessage(err)))
				} else {
					for _, f := range s.forward {
						fmt.Printf("%s forward %s: %s (%s)\n", done, entryOf(f.Name, f.Labels), f.Name, f.ID)
					}
				}
			}
			return errors.Join(errs...)
		},
	}
}

func projectPauseCommand() *cobra.Command {
	return projectControlCommand("pause", "Pause every session of the project (they stay paused across daemon restarts)",
		&protocol.SyncPause, &protocol.ForwardPause, "Paused")
}

func projectResumeCommand() *cobra.Command {
	return projectControlCommand("resume", "Resume the project's paused sessions", &protocol.SyncResume, &protocol.ForwardResume, "Resumed")
}

func projectResetCommand() *cobra.Command {
	return projectControlCommand("reset", "Forget the synchronization history of the project's sync sessions; the next cycle merges both sides as the first did",
		&protocol.SyncReset, nil, "Reset")
}
