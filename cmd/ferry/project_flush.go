package main

import (
	"fmt"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/engine/project"
	"github.com/ferrysync/ferry/protocol"
)

func projectFlushCommand() *cobra.Command {
	var skipWait bool
	cmd := &cobra.Command{
		Use:   "flush [DIR]",
		Short: "Run a synchronization cycle of every sync session of the project and wait for it",
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
