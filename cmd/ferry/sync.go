package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/engine/url"
	"github.com/ferrysync/ferry/protocol"
)

func syncCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Create and manage sync sessions",
	}
	cmd.AddCommand(syncCreateCommand(), syncListCommand(), syncMonitorCommand(), syncFlushCommand(),
		syncConflictsCommand(), syncResolveCommand(), syncTrashCommand(), syncRestoreCommand(),
		selectionCommand("pause", "Pause sessions (they stay paused across daemon restarts)", protocol.SyncPause, "Paused", syncLabels),
		selectionCommand("resume", "Resume paused sessions", protocol.SyncResume, "Resumed", syncLabels),
		selectionCommand("reset", "Forget sessions' synchronization history; the next cycle merges both sides as the first did", protocol.SyncReset, "Reset", syncLabels),
		selectionCommand("terminate", "Stop sessions and delete their state (files stay as they are)", protocol.SyncTerminate, "Terminated", syncLabels),
	)
	return cmd
}

// selectionFlags adds the selection flags and returns a function building the
// selection from them and the arguments.
func selectionFlags(cmd *cobra.Command) func(args []string) protocol.Selection {
	var labelSelector string
	var all bool
	cmd.Flags().StringVarP(&labelSelector, "label-selector", "l", "", "select sessions by labels (key=value, key!=value, key in (v1,v2), key notin (v1,v2), key, !key; comma-separated)")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "select every session")
	return func(args []string) protocol.Selection {
		return protocol.Selection{Sessions: args, LabelSelector: labelSelector, All: all}
	}
}

func syncCreateCommand() *cobra.Command {
	var p protocol.SyncCreateParams
	var labels []string
	var config configFlags
	var out createOutput
	cmd := &cobra.Command{
		Use:   "create [flags] ALPHA BETA",
		Short: "Create a sync session between two folders (local paths or [user@]host[:port]:path)",
		Example: `  ferry sync create --name docs ~/notes /tmp/notes-mirror
  ferry sync create --name web --ignore node_modules/ --ignore-vcs ~/code/web devbox:~/web
  ferry sync create --name repo --gitignore --max-staging-file-size 100MB ~/code/repo devbox:~/repo
  ferry sync create --name share --watch-mode-beta force-poll --default-owner-beta www-data ~/site /mnt/share/site`,
		Args: exactArgs(2, "give two endpoints: ALPHA and BETA"),
		RunE: func(cmd *cobra.Command, args []string) error {
			alpha, err := url.Parse(args[0])
			if err != nil {
				return err
			}
			beta, err := url.Parse(args[1])
			if err != nil {
				return err
			}
			p.Alpha, p.Beta = alpha.String(), beta.String()
			if p.Labels, err = parseLabels(labels); err != nil {
				return err
			}
			if err := config.apply(cmd.Flags(), &p.Config); err != nil {
				return err
			}
			d, err := loadDefaults()
			if err != nil {
				return err
			}
			applySyncDefaults(cmd.Flags(), &p, d)
			return runSyncCreate(cmd.Context(), p, out)
		},
	}
	out.flags(cmd)
	f := cmd.Flags()
	f.StringVarP(&p.Name, "name", "n", "", "name of the session (a letter, then letters, digits and '-')")
	f.StringArrayVar(&labels, "label", nil, "label the session with key=value (repeatable)")
	f.StringVarP(&p.Config.Mode, "mode", "m", "", "two-way-safe (default), two-way-resolved, one-way-safe or one-way-replica")
	config.add(f, &p.Config)
	f.BoolVarP(&p.Paused, "paused", "p", false, "create the session paused")
	f.BoolVar(&p.Force, "force", false, "create the session even if another one syncs the same folders, or a folder inside or around one of its folders (otherwise asked on a terminal)")
	return cmd
}

func exactArgs(n int, hint string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("%s (got %s)", hint, counted(len(args), "argument"))
		}
		return nil
	}
}

func parseLabels(raw []string) (map[string]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, l := range raw {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid label %q: write key=value", l)
		}
		out[k] = v
	}
	return out, nil
}

func syncListCommand() *cobra.Command {
	var long, asJSON bool
	var tmpl string
	cmd := &cobra.Command{
		Use:   "list [NAME|ID...]",
		Short: "List sync sessions and their state",
	}
	sel := selectionFlags(cmd)
	cmd.Flags().BoolVarP(&long, "long", "L", false, "also show the configuration, contents counts and conflicts")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the sessions as a JSON array of the API's session objects")
	cmd.Flags().StringVar(&tmpl, "template", "", "print each session through a Go text/template (fields as in --json, Go spelling: {{.Name}} {{.Status}} {{.Alpha.URL}})")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if tmpl != "" {
			if _, err := parseTemplate(tmpl); err != nil {
				return err
			}
		}
		c, err := dial(cmd.Context(), true)
		if err != nil {
			return err
		}
		defer c.Close()
		res, err := client.Call(cmd.Context(), c, protocol.SyncList, protocol.SyncListParams{Selection: sel(args)})
		if err != nil {
			return err
		}
		switch {
		case asJSON:
			return printJSON(nonNil(res.Sessions))
		case tmpl != "":
			return printTemplate(os.Stdout, tmpl, res.Sessions)
		}
		if len(res.Sessions) == 0 {
			fmt.Println("No sync sessions. Create one with \"ferry sync create ALPHA BETA\".")
			return nil
		}
		for i, s := range res.Sessions {
			if i > 0 {
				fmt.Println()
			}
			printSession(os.Stdout, s, long)
		}
		return nil
	}
	return cmd
}

func syncFlushCommand() *cobra.Command {
	var skipWait, allowDeletions bool
	cmd := &cobra.Command{
		Use:   "flush [NAME|ID...]",
		Short: "Run a synchronization cycle now and wait until it has completed",
	}
	sel := selectionFlags(cmd)
	cmd.Flags().BoolVar(&skipWait, "skip-wait", false, "return as soon as the cycle is requested")
	cmd.Flags().BoolVar(&allowDeletions, "allow-deletions", false, "propagate a mass deletion that halted the session")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := dial(cmd.Context(), true)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = client.Call(cmd.Context(), c, protocol.SyncFlush, protocol.SyncFlushParams{Selection: sel(args), SkipWait: skipWait, AllowDeletions: allowDeletions})
		return err
	}
	return cmd
}

// selectionCommand makes a command that applies op to the selected sessions, then
// names each session it applied to (listed first: a terminated one is gone after).
func selectionCommand(use, short string, op protocol.Request[protocol.Selection, protocol.None], done string,
	labels func(context.Context, *client.Client, protocol.Selection) ([]string, error)) *cobra.Command {
	cmd := &cobra.Command{Use: use + " [NAME|ID...]", Short: short}
	sel := selectionFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := dial(cmd.Context(), true)
		if err != nil {
			return err
		}
		defer c.Close()
		s := sel(args)
		names, err := labels(cmd.Context(), c, s)
		if err != nil {
			return err
		}
		if _, err := client.Call(cmd.Context(), c, op, s); err != nil {
			return err
		}
		for _, n := range names {
			fmt.Printf("%s %s\n", done, n)
		}
		return nil
	}
	return cmd
}

// syncLabels names the selected sync sessions.
func syncLabels(ctx context.Context, c *client.Client, s protocol.Selection) ([]string, error) {
	res, err := client.Call(ctx, c, protocol.SyncList, protocol.SyncListParams{Selection: s})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(res.Sessions))
	for i, st := range res.Sessions {
		out[i] = sessionLabel(st)
	}
	return out, nil
}

func syncConflictsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "conflicts [NAME|ID...]",
		Short: "List every conflict of sync sessions",
	}
	sel := selectionFlags(cmd)
	var asJSON bool
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of the sessions with their conflicts (the API's objects)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := dial(cmd.Context(), true)
		if err != nil {
			return err
		}
		defer c.Close()
		res, err := client.Call(cmd.Context(), c, protocol.SyncConflicts, sel(args))
		if err != nil {
			return err
		}
		if asJSON {
			for i := range res.Sessions {
				res.Sessions[i].Conflicts = nonNil(res.Sessions[i].Conflicts)
			}
			return printJSON(nonNil(res.Sessions))
		}
		for _, s := range res.Sessions {
			name := s.Name
			if name == "" {
				name = s.ID
			}
			if len(s.Conflicts) == 0 {
				fmt.Printf("%s: no conflicts\n", name)
				continue
			}
			fmt.Printf("%s: %s\n", name, counted(len(s.Conflicts), "conflict"))
			for _, cf := range s.Conflicts {
				fmt.Printf("  %s\n", describeConflict(cf))
			}
		}
		if totalConflicts(res.Sessions) > 0 {
			fmt.Printf("Resolve with \"ferry sync resolve NAME --keep alpha|beta [PATH...]\".\n")
		}
		return nil
	}
	return cmd
}

func syncTrashCommand() *cobra.Command {
	var side string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "trash NAME|ID",
		Short: "List what synchronization removed or overwrote and kept (newest first)",
		Args:  exactArgs(1, "give one session"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := dial(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer c.Close()
			res, err := client.Call(cmd.Context(), c, protocol.SyncTrash, protocol.SyncTrashParams{Session: args[0], Side: side})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(nonNil(res.Items))
			}
			if len(res.Items) == 0 {
				fmt.Println("The trash is empty.")
				return nil
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SIDE\tBATCH\tSIZE\tPATH")
			for _, it := range res.Items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", it.Side, it.Batch, formatBytes(uint64(it.Size)), it.Path)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&side, "side", "", "alpha or beta (default: both)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the items as a JSON array of the API's objects")
	return cmd
}

func syncRestoreCommand() *cobra.Command {
	var p protocol.SyncRestoreParams
	cmd := &cobra.Command{
		Use:   "restore NAME|ID PATH",
		Short: "Copy a file back from a side's trash (never over an existing file); it then syncs",
		Args:  exactArgs(2, "give a session and the path to restore"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if p.Side != protocol.SideAlpha && p.Side != protocol.SideBeta {
				return fmt.Errorf("give --side alpha or --side beta")
			}
			p.Session, p.Path = args[0], args[1]
			c, err := dial(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer c.Close()
			res, err := client.Call(cmd.Context(), c, protocol.SyncRestore, p)
			if err != nil {
				return err
			}
			fmt.Printf("Restored %s on %s\n", res.Path, p.Side)
			return nil
		},
	}
	cmd.Flags().StringVar(&p.Side, "side", "", "the side whose trash holds it: alpha or beta")
	cmd.Flags().StringVar(&p.Batch, "batch", "", "the batch (from ferry sync trash); default: the newest holding PATH")
	cmd.Flags().StringVar(&p.To, "to", "", "restore to this path under the root instead of PATH")
	return cmd
}
