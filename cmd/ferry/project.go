package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/engine/project"
	"github.com/ferrysync/ferry/protocol"
)

// The project commands are clients of the API like the others: the sessions of a
// project are ordinary sync and forward sessions, labelled ferry-project=<id> (see
// engine/project), created with sync/create and forward/create and found again with
// label selectors.

func projectCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "project",
		Short: "Start and stop the sessions that a folder's ferry.yml declares",
		Long: `A ferry.yml in a folder declares, by name, the sync and forward sessions of that
folder. "ferry project start" creates them all (or none), "ferry project stop"
terminates them; the other commands find them by the label ferry-project=<id>,
where <id> derives from the folder's path. DIR is the folder (default: the working
directory) or its ferry.yml.

Sync entries take alpha (default: the folder), beta (required), mode, ignore (a
list), ignoreVCS, symlinkMode, watchMode, watchPollingInterval (seconds),
maxEntryCount, maxStagingFileSize (bytes) and labels; forward entries take source
and destination (required), socketMode, socketOverwrite and labels. Relative local
paths resolve against the folder. Sessions are named <folder>-<id>-<entry>.`,
		Example: `  # ferry.yml
  sync:
    code:
      beta: devbox:~/project
      ignore: [node_modules/, "*.o"]
      ignoreVCS: true
  forward:
    web:
      source: tcp:localhost:8080
      destination: devbox:tcp:localhost:3000

  ferry project start      # in that folder
  ferry project list
  ferry project stop`,
	}
	cmd.AddCommand(projectStartCommand(), projectStopCommand(), projectListCommand(), projectFlushCommand(),
		projectCheckCommand())
	return cmd
}

func dirArgs() cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > 1 {
			return fmt.Errorf("give at most one folder (got %d arguments)", len(args))
		}
		return nil
	}
}

func dirOf(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return "."
}

func projectStartCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "start [DIR]",
		Short: "Create every session of the project file, or none",
		Long: `Create every session that DIR/ferry.yml declares. The file is checked as a whole
first; then the sessions are created in file order, and if one cannot be (an
unreachable host, a port in use), those already created are terminated again, so
that a project is either started or not. A project that is started already is
left alone.`,
		Args: dirArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := project.Load(dirOf(args))
			if err != nil {
				return err
			}
			c, err := dial(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer c.Close()
			return startProject(cmd.Context(), c, p, os.Stdout)
		},
	}
}

// startProject creates the sessions of p, or none of them.
func startProject(ctx context.Context, c *client.Client, p *project.Project, w io.Writer) error {
	running, err := listProject(ctx, c, p.ID)
	if err != nil {
		return err
	}
	if running.count() > 0 {
		return fmt.Errorf("project %s (%s) is already started; ferry project stop first", p.Dir, running.describe())
	}
	fmt.Fprintf(w, "Starting project %s (%s)\n", p.Dir, project.Selector(p.ID))
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
		res, err := client.Call(calls, c, protocol.SyncCreate, syncCreateParams(s))
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
		return fmt.Errorf("%s; nothing was started (terminated the %s already created)", why, plural(n, "session"))
	}
	return fmt.Errorf("%s; nothing was started", why)
}

func projectStopCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "stop [DIR]",
		Short: "Terminate every session of the project (files stay as they are)",
		Long: `Terminate the sessions labelled with DIR's project. It needs no project file: it
works after ferry.yml was edited, broken or removed.`,
		Args: dirArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := project.Dir(dirOf(args))
			if err != nil {
				return err
			}
			c, err := dial(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer c.Close()
			n, err := terminateProject(cmd.Context(), c, project.ID(dir), os.Stdout)
			if err != nil {
				return err
			}
			if n == 0 {
				fmt.Printf("Project %s has no sessions; nothing to stop.\n", dir)
			}
			return nil
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

func projectFlushCommand() *cobra.Command {
	var skipWait bool
	cmd := &cobra.Command{
		Use:   "flush [DIR]",
		Short: "Run a synchronization cycle of every sync session of the project and wait for it",
		Args:  dirArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := project.Dir(dirOf(args))
			if err != nil {
				return err
			}
			c, err := dial(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer c.Close()
			id := project.ID(dir)
			s, err := listProject(cmd.Context(), c, id)
			if err != nil {
				return err
			}
			switch {
			case s.count() == 0:
				return fmt.Errorf("project %s is not started; ferry project start first", dir)
			case len(s.sync) == 0:
				return fmt.Errorf("project %s has no sync sessions to flush (forwards need no flushing)", dir)
			}
			p := protocol.SyncFlushParams{Selection: protocol.Selection{LabelSelector: project.Selector(id)}, SkipWait: skipWait}
			if _, err := client.Call(cmd.Context(), c, protocol.SyncFlush, p); err != nil {
				return err
			}
			for _, st := range s.sync {
				fmt.Printf("Flushed sync %s: %s\n", entryOf(st.Name, st.Labels), sessionLabel(st))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&skipWait, "skip-wait", false, "return as soon as the cycles are requested")
	return cmd
}

func projectListCommand() *cobra.Command {
	var long, asJSON bool
	cmd := &cobra.Command{
		Use:   "list [DIR]",
		Short: "Show the project's sessions and their state, next to what ferry.yml declares",
		Args:  dirArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := project.Dir(dirOf(args))
			if err != nil {
				return err
			}
			p, fileErr := project.Load(dir)
			c, err := dial(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer c.Close()
			id := project.ID(dir)
			s, err := listProject(cmd.Context(), c, id)
			if err != nil {
				return err
			}
			if asJSON {
				out := projectListing{Dir: dir, File: filepath.Join(dir, project.FileName), ID: id,
					Selector: project.Selector(id), Sync: s.sync, Forward: s.forward}
				if fileErr != nil {
					out.FileError = fileErr.Error()
				}
				return printJSON(out)
			}
			printProject(os.Stdout, dir, p, fileErr, s, long)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&long, "long", "L", false, "show every session as ferry sync list and ferry forward list do")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the project and the API's objects for its sessions as JSON")
	return cmd
}

// projectListing is what "project list --json" prints.
type projectListing struct {
	Dir      string `json:"dir"`
	File     string `json:"file"`
	ID       string `json:"id"`
	Selector string `json:"selector"`
	// FileError says why the project file could not be read, if it could not.
	FileError string                    `json:"fileError,omitempty"`
	Sync      []protocol.SyncSession    `json:"sync"`
	Forward   []protocol.ForwardSession `json:"forward"`
}

func printProject(w io.Writer, dir string, p *project.Project, fileErr error, s projectSessions, long bool) {
	fmt.Fprintf(w, "Project: %s\n", dir)
	switch {
	case project.IsNoFile(fileErr):
		fmt.Fprintf(w, "File: none (%s)\n", fileErr)
	case fileErr != nil:
		fmt.Fprintf(w, "File: invalid:\n  %s\n", strings.ReplaceAll(fileErr.Error(), "\n", "\n  "))
	default:
		fmt.Fprintf(w, "File: %s (%s)\n", p.File, countSessions(len(p.Sync), len(p.Forward)))
	}
	fmt.Fprintf(w, "Selector: %s\n", project.Selector(project.ID(dir)))
	if s.count() == 0 {
		if p != nil {
			fmt.Fprintf(w, "Not started; ferry project start creates its %s.\n", countSessions(len(p.Sync), len(p.Forward)))
		} else {
			fmt.Fprintln(w, "Not started.")
		}
		return
	}
	var syncEntries, forwardEntries []string
	if p != nil {
		for _, e := range p.Sync {
			syncEntries = append(syncEntries, e.Entry)
		}
		for _, e := range p.Forward {
			forwardEntries = append(forwardEntries, e.Entry)
		}
	}
	changed := printSection(w, "Sync sessions:", syncItems(s.sync), syncEntries, p, long)
	changed = printSection(w, "Forwards:", forwardItems(s.forward), forwardEntries, p, long) || changed
	if changed {
		fmt.Fprintf(w, "Note: %s has changed since these sessions were started; to apply it: ferry project stop, then ferry project start.\n", project.FileName)
	}
}

// listed is one session of a project as "project list" shows it.
type listed struct {
	entry  string
	digest string
	// status is the line after the entry's name; more the lines below it; full the
	// description --long prints.
	status string
	more   []string
	full   string
}

func syncItems(ss []protocol.SyncSession) []listed {
	out := make([]listed, len(ss))
	for i, st := range ss {
		l := listed{entry: entryOf(st.Name, st.Labels), digest: st.Labels[project.LabelDigest], status: ": " + describeStatus(st),
			more: []string{st.Alpha.URL + " <-> " + st.Beta.URL, "session " + sessionLabel(st)}}
		if st.ConflictCount > 0 {
			l.more = append(l.more, fmt.Sprintf("%s (ferry sync conflicts %s)", plural(st.ConflictCount, "conflict"), st.Name))
		}
		if n := st.Alpha.ProblemCount + st.Beta.ProblemCount; n > 0 {
			l.more = append(l.more, fmt.Sprintf("%s (ferry sync list --long %s)", plural(n, "problem"), st.Name))
		}
		if st.LastError != "" {
			l.more = append(l.more, "last error: "+st.LastError)
		}
		var b strings.Builder
		printSession(&b, st, true)
		l.full = b.String()
		out[i] = l
	}
	return out
}

func forwardItems(fs []protocol.ForwardSession) []listed {
	out := make([]listed, len(fs))
	for i, f := range fs {
		var b strings.Builder
		printForward(&b, f)
		out[i] = listed{entry: entryOf(f.Name, f.Labels), digest: f.Labels[project.LabelDigest],
			status: strings.TrimPrefix(forwardLine(f), f.Name),
			more:   []string{f.Source + " -> " + f.Destination, fmt.Sprintf("session %s (%s)", f.Name, f.ID)},
			full:   b.String()}
	}
	return out
}

// printSection prints the sessions of one kind, then the file's entries of that kind
// that have none; it reports whether a session started from another version of the
// file.
func printSection(w io.Writer, title string, items []listed, entries []string, p *project.Project, long bool) (changed bool) {
	if len(items)+len(entries) == 0 {
		return false
	}
	fmt.Fprintln(w, title)
	shown := map[string]bool{}
	for _, l := range items {
		shown[l.entry] = true
		note := ""
		if p != nil {
			changed = changed || l.digest != p.Digest
			if !slices.Contains(entries, l.entry) {
				note = " (no longer in " + project.FileName + ")"
			}
		}
		if long {
			fmt.Fprintf(w, "  %s%s:\n%s", l.entry, note, indent(l.full, "    "))
			continue
		}
		fmt.Fprintf(w, "  %s%s%s\n", l.entry, l.status, note)
		for _, m := range l.more {
			fmt.Fprintf(w, "    %s\n", m)
		}
	}
	for _, e := range entries {
		if !shown[e] {
			fmt.Fprintf(w, "  %s: not started (declared after the project started)\n", e)
		}
	}
	return changed
}

func projectCheckCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check [DIR]",
		Short: "Check the project file and show the sessions start would create, without starting anything",
		Long: `Check DIR/ferry.yml as "ferry project start" does, and show the sessions it would
create. With --json it prints them as the API's sync/create and forward/create
parameters (editors create them from that), or the problems of the file; it needs
no daemon.`,
		Args: dirArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := project.Load(dirOf(args))
			if asJSON {
				if err != nil {
					return printCheckFailure(dirOf(args), err)
				}
				return printJSON(toPlan(p))
			}
			if err != nil {
				return err
			}
			fmt.Printf("%s declares %s (%s):\n", p.File, countSessions(len(p.Sync), len(p.Forward)), project.Selector(p.ID))
			for _, s := range p.Sync {
				mode := s.Mode
				if mode == "" {
					mode = "two-way-safe"
				}
				fmt.Printf("  sync %s: %s, %s <-> %s (%s)\n", s.Entry, s.Name, s.Alpha, s.Beta, mode)
			}
			for _, f := range p.Forward {
				fmt.Printf("  forward %s: %s, %s -> %s\n", f.Entry, f.Name, f.Source, f.Destination)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the sessions as API parameters, or the problems, as JSON")
	return cmd
}

// projectPlan is what "project check --json" prints for a valid file: what start
// sends to the daemon, entry by entry.
type projectPlan struct {
	Dir      string        `json:"dir"`
	File     string        `json:"file"`
	ID       string        `json:"id"`
	Selector string        `json:"selector"`
	Sync     []planSync    `json:"sync"`
	Forward  []planForward `json:"forward"`
}

type planSync struct {
	Entry  string                    `json:"entry"`
	Line   int                       `json:"line"`
	Create protocol.SyncCreateParams `json:"create"`
}

type planForward struct {
	Entry  string                       `json:"entry"`
	Line   int                          `json:"line"`
	Create protocol.ForwardCreateParams `json:"create"`
}

func toPlan(p *project.Project) projectPlan {
	out := projectPlan{Dir: p.Dir, File: p.File, ID: p.ID, Selector: project.Selector(p.ID),
		Sync: []planSync{}, Forward: []planForward{}}
	for _, s := range p.Sync {
		out.Sync = append(out.Sync, planSync{Entry: s.Entry, Line: s.Line, Create: syncCreateParams(s)})
	}
	for _, f := range p.Forward {
		out.Forward = append(out.Forward, planForward{Entry: f.Entry, Line: f.Line, Create: forwardCreateParams(f)})
	}
	return out
}

// checkFailure is what "project check --json" prints for a file it cannot use.
type checkFailure struct {
	Error struct {
		// File is the project file, when known.
		File string `json:"file,omitempty"`
		// NoFile is set when the folder has no project file.
		NoFile bool `json:"noFile,omitempty"`
		// Problems are the file's problems, with their lines (0: the whole file).
		Problems []project.Problem `json:"problems"`
	} `json:"error"`
}

// printCheckFailure prints err as JSON and returns it, so that the exit status is 1.
func printCheckFailure(arg string, err error) error {
	var out checkFailure
	var perr *project.Error
	if errors.As(err, &perr) {
		out.Error.File, out.Error.Problems = perr.File, perr.Problems
	} else {
		out.Error.NoFile = project.IsNoFile(err)
		out.Error.Problems = []project.Problem{{Message: err.Error()}}
		if dir, derr := project.Dir(arg); derr == nil {
			out.Error.File = filepath.Join(dir, project.FileName)
		}
	}
	if jerr := printJSON(out); jerr != nil {
		return jerr
	}
	return err
}

func syncCreateParams(s project.Sync) protocol.SyncCreateParams {
	return protocol.SyncCreateParams{Name: s.Name, Labels: s.Labels, Alpha: s.Alpha, Beta: s.Beta,
		Config: protocol.SyncConfig{Mode: s.Mode, Ignores: s.Ignore, IgnoreVCS: s.IgnoreVCS,
			SymlinkMode: s.SymlinkMode, WatchMode: s.WatchMode, PollIntervalSeconds: s.WatchPollingInterval,
			MaxEntries: s.MaxEntryCount, MaxFileSize: s.MaxStagingFileSize,
			PermissionsMode: s.PermissionsMode, DefaultFileMode: s.DefaultFileMode, DefaultDirectoryMode: s.DefaultDirectoryMode,
			DefaultOwner: s.DefaultOwner, DefaultGroup: s.DefaultGroup}}
}

func forwardCreateParams(f project.Forward) protocol.ForwardCreateParams {
	return protocol.ForwardCreateParams{Name: f.Name, Labels: f.Labels, Source: f.Source, Destination: f.Destination,
		SocketMode: f.SocketMode, SocketOverwrite: f.SocketOverwrite}
}

// projectSessions are the sessions of one project, in creation order.
type projectSessions struct {
	sync    []protocol.SyncSession
	forward []protocol.ForwardSession
}

func (s projectSessions) count() int { return len(s.sync) + len(s.forward) }

func (s projectSessions) describe() string { return countSessions(len(s.sync), len(s.forward)) }

func listProject(ctx context.Context, c *client.Client, id string) (projectSessions, error) {
	sel := protocol.Selection{LabelSelector: project.Selector(id)}
	s, err := client.Call(ctx, c, protocol.SyncList, protocol.SyncListParams{Selection: sel})
	if err != nil {
		return projectSessions{}, err
	}
	f, err := client.Call(ctx, c, protocol.ForwardList, protocol.ForwardListParams{Selection: sel})
	if err != nil {
		return projectSessions{}, err
	}
	return projectSessions{sync: s.Sessions, forward: f.Sessions}, nil
}

// entryOf returns the name a project session has in its file.
func entryOf(name string, labels map[string]string) string {
	if i := strings.Index(name, "-"+labels[project.LabelProject]+"-"); i >= 0 && labels[project.LabelProject] != "" {
		return name[i+len(labels[project.LabelProject])+2:]
	}
	return name
}

func countSessions(nSync, nForward int) string {
	switch {
	case nSync == 0:
		return plural(nForward, "forward")
	case nForward == 0:
		return plural(nSync, "sync session")
	}
	return plural(nSync, "sync session") + " and " + plural(nForward, "forward")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}

// rpcMessage is an error's message for a person: the daemon's message without the
// JSON-RPC wrapping.
func rpcMessage(err error) string {
	var rpcErr *jsonrpc2.Error
	if errors.As(err, &rpcErr) {
		return rpcErr.Message
	}
	return err.Error()
}

func isNotFound(err error) bool {
	var rpcErr *jsonrpc2.Error
	return errors.As(err, &rpcErr) && rpcErr.Code == protocol.CodeNotFound
}
