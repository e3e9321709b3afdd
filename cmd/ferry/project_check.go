package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/engine/project"
	"github.com/ferrysync/ferry/protocol"
)

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
			p, err := loadProject(dirOf(args))
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
			printHooks(p)
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
	// Hooks are the file's hooks and flushOnCreate, which a client that starts and
	// stops the sessions itself (the editor) runs as "project start" and "stop" do.
	Hooks project.Hooks `json:"hooks"`
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
		Sync: []planSync{}, Forward: []planForward{}, Hooks: p.Hooks}
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

// printHooks shows what start and stop run besides creating and terminating.
func printHooks(p *project.Project) {
	h := p.Hooks
	for _, k := range []struct {
		kind  string
		hooks []project.Command
	}{{"beforeCreate", h.BeforeCreate}, {"afterCreate", h.AfterCreate}, {"beforeTerminate", h.BeforeTerminate}, {"afterTerminate", h.AfterTerminate}} {
		for _, c := range k.hooks {
			fmt.Printf("  %s: %s\n", k.kind, c.Shell)
		}
	}
	if h.FlushOnCreate {
		fmt.Println("  flushOnCreate: start flushes the sync sessions once created")
	}
	if len(p.Commands) > 0 {
		fmt.Printf("  commands (ferry project run NAME): %s\n", strings.Join(p.CommandNames(), ", "))
	}
}
