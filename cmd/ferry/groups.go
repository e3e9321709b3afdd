package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// finishCommandTree completes the command tree once every command is added: group
// commands refuse unknown subcommands, and arguments complete.
func finishCommandTree(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	walk(root, func(cmd *cobra.Command) {
		if cmd.HasParent() && cmd.HasSubCommands() && !cmd.Runnable() {
			cmd.Args = cobra.ArbitraryArgs
			cmd.RunE = runGroup
		}
	})
	addCompletions(root)
}

// runGroup is what a group command does itself: help without arguments, and an error
// for a subcommand it does not have (so a mistyped command in a script fails).
func runGroup(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	return fmt.Errorf("%s; run \"%s --help\" for its commands", msg, cmd.CommandPath())
}
