package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/engine/project"
)

// A project's hooks and commands are shell commands run with sh -c in the project's
// folder, with the CLI's standard input, output and error: what they print reaches
// the user as they print it.

// runHooks runs the hooks of one kind in order, announcing each on w, and stops at
// the first that fails.
func runHooks(p *project.Project, kind string, hooks []project.Command, w io.Writer) error {
	for _, h := range hooks {
		fmt.Fprintf(w, "  %s: %s\n", kind, h.Shell)
		if err := shell(p.Dir, h.Shell); err != nil {
			return fmt.Errorf("%s:%d: %s hook %q %v", p.File, h.Line, kind, h.Shell, err)
		}
	}
	return nil
}

// shell runs command with sh -c in dir; a failure is an *exitStatus when the command
// ran and exited non-zero.
func shell(dir, command string) error {
	cmd := exec.Command("sh", "-c", command)
	cmd.Dir = dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return &exitStatus{code: ee.ExitCode()}
	case errors.As(err, &ee):
		return fmt.Errorf("was stopped (%s)", ee.ProcessState)
	}
	return fmt.Errorf("could not run: %w", err)
}

// exitStatus is the non-zero exit status of a command ferry ran; "ferry project run"
// exits with it.
type exitStatus struct{ code int }

func (e *exitStatus) Error() string { return fmt.Sprintf("exited with status %d", e.code) }

func projectRunCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "run NAME [DIR]",
		Short: "Run a command of the project file's commands: section, in the project's folder",
		Long: `Run the shell command that DIR/ferry.yml names NAME in its commands: section, with
sh -c in the project's folder. ferry exits with the command's exit status.`,
		Example: `  # ferry.yml
  commands:
    test: go test ./...

  ferry project run test`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return fmt.Errorf("give a command name and at most one folder (got %s)", counted(len(args), "argument"))
			}
			return nil
		},
		// NAME completes to the commands of the working directory's project.
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveFilterDirs
			}
			p, err := project.Load(".")
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return p.CommandNames(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			p, err := project.Load(dirOf(args[1:]))
			if err != nil {
				return err
			}
			c, ok := p.Commands[args[0]]
			if !ok {
				if len(p.Commands) == 0 {
					return fmt.Errorf("%s has no commands; add a commands: section, like commands: {test: \"go test ./...\"}", p.File)
				}
				return fmt.Errorf("%s has no command %q; its commands are %s", p.File, args[0], strings.Join(p.CommandNames(), ", "))
			}
			err = shell(p.Dir, c.Shell)
			var st *exitStatus
			if errors.As(err, &st) {
				return fmt.Errorf("command %s %w", args[0], err)
			}
			return err
		},
	}
}
