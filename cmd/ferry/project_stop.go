package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/engine/project"
	"github.com/ferrysync/ferry/protocol"
)

func projectStopCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "stop [DIR]",
		Short: "Terminate every session of the project (files stay as they are)",
		Long: `Terminate the sessions labelled with DIR's project. It needs no project file: it
works after ferry.yml was edited, broken or removed. When ferry.yml can be read, its
beforeTerminate hooks run before the sessions are terminated and its afterTerminate
hooks after; a failing hook is reported, and the sessions are terminated anyway.`,
		Args: dirArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := openProject(cmd.Context(), args)
			if err != nil {
				return err
			}
			defer r.Close()
			dir, c, running := r.dir, r.c, r.sessions
			if running.count() == 0 {
				fmt.Printf("Project %s has no sessions; nothing to stop.\n", dir)
				return nil
			}
			p, perr := project.Load(dir)
			if perr != nil {
				p = &project.Project{}
				fmt.Fprintf(os.Stderr, "ferry: not running the terminate hooks, as %s cannot be read (ferry project check shows why)\n", project.FileName)
			}
			hookErr := runHooks(p, "beforeTerminate", p.Hooks.BeforeTerminate, os.Stdout)
			if _, err := terminateProject(cmd.Context(), c, r.id, os.Stdout); err != nil {
				return errors.Join(hookErr, err)
			}
			if hookErr != nil {
				// The sessions are gone; afterTerminate still runs, as it would have.
				return errors.Join(fmt.Errorf("%v (the sessions were terminated anyway)", hookErr), runHooks(p, "afterTerminate", p.Hooks.AfterTerminate, os.Stdout))
			}
			return runHooks(p, "afterTerminate", p.Hooks.AfterTerminate, os.Stdout)
		},
	}
}

// terminateProject terminates the sessions of project id, reporting each on w, and
// returns how many there were.
func terminateProject(ctx context.Context, c *client.Client, id string, w io.Writer) (int, error) {
	s, err := listProject(ctx, c, id)
	if err != nil {
		return 0, err
	}
	sel := protocol.Selection{LabelSelector: project.Selector(id)}
	var errs []error
	if len(s.sync) > 0 {
		if _, err := client.Call(ctx, c, protocol.SyncTerminate, sel); err != nil && !isNotFound(err) {
			errs = append(errs, errors.New(rpcMessage(err)))
		}
		for _, st := range s.sync {
			fmt.Fprintf(w, "Terminated sync %s: %s\n", entryOf(st.Name, st.Labels), sessionLabel(st))
		}
	}
	if len(s.forward) > 0 {
		if _, err := client.Call(ctx, c, protocol.ForwardTerminate, sel); err != nil && !isNotFound(err) {
			errs = append(errs, errors.New(rpcMessage(err)))
		}
		for _, f := range s.forward {
			fmt.Fprintf(w, "Terminated forward %s: %s (%s)\n", entryOf(f.Name, f.Labels), f.Name, f.ID)
		}
	}
	return s.count(), errors.Join(errs...)
}
