package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
paths resolve against the folder. Sessions are named <folder>-<id>-<entry>.

A defaults: key in a section holds settings for every entry of it that does not
set them (ignores and labels add up); the global configuration file
(~/.ferry/config.yml, and -c FILE) holds defaults: written the same way, under the
project's. Top-level beforeCreate, afterCreate, beforeTerminate and afterTerminate
list shell commands that start and stop run in the folder; flushOnCreate: true
flushes the sync sessions once created; commands: names commands for
"ferry project run NAME".`,
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
		projectCheckCommand(), projectPauseCommand(), projectResumeCommand(), projectResetCommand(), projectRunCommand())
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

func syncCreateParams(s project.Sync) protocol.SyncCreateParams {
	return protocol.SyncCreateParams{Name: s.Name, Labels: s.Labels, Alpha: s.Alpha, Beta: s.Beta,
		Config: protocol.SyncConfig{Mode: s.Mode, Ignores: s.Ignore, IgnoreVCS: s.IgnoreVCS, GitIgnore: s.GitIgnore,
			SymlinkMode: s.SymlinkMode, WatchMode: s.WatchMode, PollIntervalSeconds: s.WatchPollingInterval,
			MaxEntries: s.MaxEntryCount, MaxFileSize: s.MaxStagingFileSize,
			PermissionsMode: s.PermissionsMode, DefaultFileMode: s.DefaultFileMode, DefaultDirectoryMode: s.DefaultDirectoryMode,
			DefaultOwner: s.DefaultOwner, DefaultGroup: s.DefaultGroup,
			Alpha: sideParams(s.ConfigurationAlpha), Beta: sideParams(s.ConfigurationBeta)}}
}

// sideParams are one side's own settings as the API takes them (nil: none).
func sideParams(s *project.Side) *protocol.SideConfig {
	if s == nil {
		return nil
	}
	return &protocol.SideConfig{WatchMode: s.WatchMode, PollIntervalSeconds: s.WatchPollingInterval,
		DefaultFileMode: s.DefaultFileMode, DefaultDirectoryMode: s.DefaultDirectoryMode,
		DefaultOwner: s.DefaultOwner, DefaultGroup: s.DefaultGroup}
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

// runningProject is a project's folder and the sessions the daemon has of it, with the
// connection they were listed on; Close closes it.
type runningProject struct {
	dir, id  string
	c        *client.Client
	sessions projectSessions
}

func (r *runningProject) Close() { r.c.Close() }

// openProject finds the project of the folder that args name (the working directory
// when none) and lists its sessions on a connection to the daemon.
func openProject(ctx context.Context, args []string) (*runningProject, error) {
	dir, err := project.Dir(dirOf(args))
	if err != nil {
		return nil, err
	}
	c, err := dial(ctx, true)
	if err != nil {
		return nil, err
	}
	id := project.ID(dir)
	s, err := listProject(ctx, c, id)
	if err != nil {
		c.Close()
		return nil, err
	}
	return &runningProject{dir: dir, id: id, c: c, sessions: s}, nil
}

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
		return counted(nForward, "forward")
	case nForward == 0:
		return counted(nSync, "sync session")
	}
	return counted(nSync, "sync session") + " and " + counted(nForward, "forward")
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
