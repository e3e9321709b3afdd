package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/protocol"
)

// resolveListed bounds how many paths a confirmation prompt lists.
const resolveListed = 20

func syncResolveCommand() *cobra.Command {
	var keep string
	var yes bool
	cmd := &cobra.Command{
		Use:   "resolve NAME|ID --keep alpha|beta [PATH...]",
		Short: "Resolve conflicts by keeping one side's version (every conflict of the session without PATH)",
		Long: `Resolves conflicts of a session by keeping the version of the side --keep names;
the other side's version is replaced (and kept in its trash: ferry sync trash).
PATHs are relative to the session's roots, as "ferry sync conflicts" lists them;
without any, every conflict of the session is resolved. Resolving more than one
path asks for confirmation on the terminal, unless --yes is given.`,
		Example: `  ferry sync resolve docs --keep alpha notes/plan.md
  ferry sync resolve docs --keep beta --yes`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("give the session whose conflicts to resolve, then optionally their paths")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if keep != protocol.SideAlpha && keep != protocol.SideBeta {
				return fmt.Errorf("give --keep alpha or --keep beta: the side whose version wins")
			}
			ctx := cmd.Context()
			c, err := dial(ctx, true)
			if err != nil {
				return err
			}
			defer c.Close()
			session, paths := args[0], cleanConflictPaths(args[1:])
			if len(paths) == 0 {
				res, err := client.Call(ctx, c, protocol.SyncConflicts, protocol.Selection{Sessions: []string{session}})
				if err != nil {
					return err
				}
				for _, s := range res.Sessions {
					for _, cf := range s.Conflicts {
						paths = append(paths, cf.Path)
					}
				}
				if len(paths) == 0 {
					fmt.Printf("%s has no conflicts.\n", session)
					return nil
				}
			}
			if len(paths) > 1 && !yes {
				if err := confirmResolve(os.Stdin, os.Stderr, isTerminal(os.Stdin), session, keep, paths); err != nil {
					return err
				}
			}
			// The paths confirmed, not "all": a conflict that appeared since is not
			// resolved unseen.
			res, err := client.Call(ctx, c, protocol.SyncResolve, protocol.SyncResolveParams{Session: session, Paths: paths, Keep: keep})
			if err != nil {
				return err
			}
			return reportResolve(os.Stdout, keep, res)
		},
	}
	cmd.Flags().StringVar(&keep, "keep", "", "the side whose version wins: alpha or beta")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "resolve several paths without asking")
	return cmd
}

// cleanConflictPaths writes paths as conflicts name them: relative, '/'-separated,
// without "./" ("." is the root, "").
func cleanConflictPaths(args []string) []string {
	var out []string
	for _, a := range args {
		p := path.Clean(filepath.ToSlash(a))
		if p == "." {
			p = ""
		}
		out = append(out, p)
	}
	return out
}

// confirmResolve asks before resolving several paths: it lists them and wants "yes".
// Without a terminal to ask on it refuses, saying to pass --yes.
func confirmResolve(in io.Reader, out io.Writer, tty bool, session, keep string, paths []string) error {
	other := protocol.SideBeta
	if keep == protocol.SideBeta {
		other = protocol.SideAlpha
	}
	if !tty {
		return fmt.Errorf("resolving %s replaces %s's version of each with %s's; pass --yes to confirm (there is no terminal to ask on)",
			counted(len(paths), "conflict"), other, keep)
	}
	fmt.Fprintf(out, "Keep %s's version of %s in %s, replacing %s's:\n", keep, counted(len(paths), "path"), session, other)
	for i, p := range paths {
		if i == resolveListed {
			fmt.Fprintf(out, "  ... and %d more\n", len(paths)-resolveListed)
			break
		}
		fmt.Fprintf(out, "  %s\n", displayPath(p))
	}
	r := bufio.NewReader(in)
	for {
		fmt.Fprint(out, "Proceed (yes/no)? ")
		line, err := r.ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "yes", "y":
			return nil
		case "no", "n":
			return fmt.Errorf("nothing resolved")
		}
		if err != nil {
			return fmt.Errorf("nothing resolved (no answer)")
		}
		fmt.Fprintln(out, "Please type 'yes' or 'no'.")
	}
}

// reportResolve says what was resolved and fails when some paths were not.
func reportResolve(w io.Writer, keep string, res protocol.SyncResolveResult) error {
	if len(res.Resolved) > 0 {
		fmt.Fprintf(w, "Resolved %s, keeping %s's version:\n", counted(len(res.Resolved), "conflict"), keep)
		for _, p := range res.Resolved {
			fmt.Fprintf(w, "  %s\n", displayPath(p))
		}
	}
	if len(res.Failed) == 0 {
		return nil
	}
	fmt.Fprintf(w, "Not resolved:\n")
	for _, f := range res.Failed {
		fmt.Fprintf(w, "  %s: %s\n", displayPath(f.Path), f.Error)
	}
	return fmt.Errorf("%s not resolved (listed above); see \"ferry sync conflicts\"", counted(len(res.Failed), "path"))
}

// totalConflicts counts the conflicts of sessions.
func totalConflicts(ss []protocol.SessionConflicts) int {
	n := 0
	for _, s := range ss {
		n += len(s.Conflicts)
	}
	return n
}
