package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/engine/project"
	"github.com/ferrysync/ferry/protocol"
)

func projectStartCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "start [DIR]",
		Short: "Create every session of the project file, or none",
		Long: `Create every session that DIR/ferry.yml declares. The file is checked as a whole
first; then the sessions are created in file order, and if one cannot be (an
unreachable host, a port in use), those already created are terminated again, so
that a project is either started or not. A project that is started already is
left alone. A session whose folders overlap another session's (the same two
folders, or one inside the other's) fails the start unless --force is given.

The hooks run around the creation, in the project's folder: beforeCreate first (a
failing one stops the start before anything is created), then the sessions are
created, flushed if flushOnCreate is true, and afterCreate runs (a failing one
stops the start with the sessions left running).`,
		Args: dirArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadProject(dirOf(args))
			if err != nil {
				return err
			}
			c, err := dial(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer c.Close()
			return startProject(cmd.Context(), c, p, force, os.Stdout)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "create the sessions even if their folders overlap other sessions' (the same two folders, or one inside the other's)")
	return cmd
}

// startProject creates the sessions of p, or none of them; force creates those that
// overlap other sessions too.
func startProject(ctx context.Context, c *client.Client, p *project.Project, force bool, w io.Writer) error {
	running, err := listProject(ctx, c, p.ID)
	if err != nil {
		return err
	}
	if running.count() > 0 {
		return fmt.Errorf("project %s (%s) is already started; ferry project stop first", p.Dir, running.describe())
	}
	fmt.Fprintf(w, "Starting project %s (%s)\n", p.Dir, project.Selector(p.ID))
	if err := runHooks(p, "beforeCreate", p.Hooks.BeforeCreate, w); err != nil {
		return fmt.Errorf("%s; nothing was started", err)
	}
	// A create runs to its end even when interrupted, so that what it made is known and
	// terminated again rather than left behind. Only what this start created is
	// terminated: never sessions that a concurrent start of the same project made.
	calls := context.WithoutCancel(ctx)
	var made created
	fail := func(what string, line int, err error) error {
		return made.rollback(c, fmt.Sprintf("%s:%d: %s: %s", p.File, line, what, rpcMessage(err)))
	}
	for _, s := range p.Sync {
		if ctx.Err() != nil {
			return made.rollback(c, "interrupted")
		}
		params := syncCreateParams(s)
		params.Force = force
		res, err := client.Call(calls, c, protocol.SyncCreate, params)
		if err != nil {
			return fail(fmt.Sprintf("sync %q (%s <-> %s)", s.Entry, s.Alpha, s.Beta), s.Line, err)
		}
		made.sync = append(made.sync, res.Session.ID)
		fmt.Fprintf(w, "  sync %s: created %s (%s <-> %s)\n", s.Entry, res.Session.Name, res.Session.Alpha.URL, res.Session.Beta.URL)
	}
	for _, f := range p.Forward {
		if ctx.Err() != nil {
			return made.rollback(c, "interrupted")
		}
		res, err := client.Call(calls, c, protocol.ForwardCreate, forwardCreateParams(f))
		if err != nil {
			return fail(fmt.Sprintf("forward %q (%s -> %s)", f.Entry, f.Source, f.Destination), f.Line, err)
		}
		made.forward = append(made.forward, res.Session.ID)
		fmt.Fprintf(w, "  forward %s: created %s (%s -> %s)\n", f.Entry, res.Session.Name, res.Session.Source, res.Session.Destination)
	}
	fmt.Fprintf(w, "Started %s.\n", countSessions(len(p.Sync), len(p.Forward)))
	if p.Hooks.FlushOnCreate && len(p.Sync) > 0 {
		sel := protocol.Selection{LabelSelector: project.Selector(p.ID)}
		if _, err := client.Call(ctx, c, protocol.SyncFlush, protocol.SyncFlushParams{Selection: sel}); err != nil {
			return fmt.Errorf("flushOnCreate: %s; the sessions are started (ferry project stop terminates them)", rpcMessage(err))
		}
		fmt.Fprintf(w, "Flushed %s.\n", counted(len(p.Sync), "sync session"))
	}
	if err := runHooks(p, "afterCreate", p.Hooks.AfterCreate, w); err != nil {
		return fmt.Errorf("%s; the sessions are started (ferry project stop terminates them)", err)
	}
	return nil
}

// created are the identifiers of the sessions a start has created so far.
type created struct{ sync, forward []string }

// rollback terminates the sessions a failed start created and returns the error
// saying why nothing was started.
func (m created) rollback(c *client.Client, why string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	for _, t := range []struct {
		op  protocol.Request[protocol.Selection, protocol.None]
		ids []string
	}{{protocol.SyncTerminate, m.sync}, {protocol.ForwardTerminate, m.forward}} {
		if len(t.ids) == 0 {
			continue
		}
		if _, err := client.Call(ctx, c, t.op, protocol.Selection{Sessions: t.ids}); err != nil && !isNotFound(err) {
			errs = append(errs, errors.New(rpcMessage(err)))
		}
	}
	n := len(m.sync) + len(m.forward)
	switch {
	case len(errs) > 0:
		return fmt.Errorf("%s; terminating the sessions already created failed too (%s): run ferry project stop", why, errors.Join(errs...))
	case n > 0:
		return fmt.Errorf("%s; nothing was started (terminated the %s already created)", why, counted(n, "session"))
	}
	return fmt.Errorf("%s; nothing was started", why)
}
