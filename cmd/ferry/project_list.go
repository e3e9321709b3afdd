package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/engine/project"
	"github.com/ferrysync/ferry/protocol"
)

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
			l.more = append(l.more, fmt.Sprintf("%s (ferry sync conflicts %s)", counted(st.ConflictCount, "conflict"), st.Name))
		}
		if n := st.Alpha.ProblemCount + st.Beta.ProblemCount; n > 0 {
			l.more = append(l.more, fmt.Sprintf("%s (ferry sync list --long %s)", counted(n, "problem"), st.Name))
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
