package main

import (
	"bufio"
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/protocol"
)

// completionTimeout bounds how long a completion waits for the daemon, so a busy one
// never hangs the shell.
const completionTimeout = 3 * time.Second

// addCompletions completes session names for every command of the sync and forward
// groups that takes NAME|ID arguments, and endpoints for the create commands.
func addCompletions(root *cobra.Command) {
	walk(root, func(cmd *cobra.Command) {
		if cmd.ValidArgsFunction != nil || !cmd.HasParent() {
			return
		}
		switch parent := cmd.Parent().Name(); {
		case cmd.Name() == "create" && parent == "sync":
			cmd.ValidArgsFunction = completeSyncEndpoint
		case cmd.Name() == "create" && parent == "forward":
			cmd.ValidArgsFunction = completeForwardEndpoint
		case !strings.Contains(cmd.Use, "NAME|ID"):
		case parent == "sync":
			cmd.ValidArgsFunction = sessionCompleter(cmd, syncNames)
		case parent == "forward":
			cmd.ValidArgsFunction = sessionCompleter(cmd, forwardNames)
		}
	})
}

// walk calls f on cmd and every command below it.
func walk(cmd *cobra.Command, f func(*cobra.Command)) {
	f(cmd)
	for _, sub := range cmd.Commands() {
		walk(sub, f)
	}
}

// sessionCompleter completes the names (or identifiers, for unnamed sessions) that
// names lists, leaving out those already given; commands whose usage takes one
// NAME|ID complete only the first argument.
func sessionCompleter(cmd *cobra.Command, names func(context.Context, *client.Client) ([]string, error)) cobra.CompletionFunc {
	many := strings.Contains(cmd.Use, "ID...")
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 && !many {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		ctx, cancel := context.WithTimeout(ctx, completionTimeout)
		defer cancel()
		// Never started for a completion, and any version will do.
		c, err := dial(ctx, false, func(o *client.ClientOptions) {
			o.Autostart, o.OtherVersion, o.Prompt = false, client.UseAnyVersion, nil
		})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer c.Close()
		all, err := names(ctx, c)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, n := range all {
			if strings.HasPrefix(n, toComplete) && !slices.Contains(args, n) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func syncNames(ctx context.Context, c *client.Client) ([]string, error) {
	res, err := client.Call(ctx, c, protocol.SyncList, protocol.SyncListParams{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range res.Sessions {
		out = append(out, cmp.Or(s.Name, s.ID))
	}
	return out, nil
}

func forwardNames(ctx context.Context, c *client.Client) ([]string, error) {
	res, err := client.Call(ctx, c, protocol.ForwardList, protocol.ForwardListParams{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range res.Sessions {
		out = append(out, cmp.Or(s.Name, s.ID))
	}
	return out, nil
}

// completeSyncEndpoint completes ALPHA and BETA: SSH host aliases ("devbox:") while
// the word could be one, local paths otherwise.
func completeSyncEndpoint(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) >= 2 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	if strings.ContainsAny(toComplete, ":/~.") {
		return nil, cobra.ShellCompDirectiveDefault
	}
	hosts := matchingHosts(toComplete)
	if len(hosts) == 0 {
		return nil, cobra.ShellCompDirectiveDefault
	}
	return hosts, cobra.ShellCompDirectiveNoSpace
}

// completeForwardEndpoint completes SOURCE and DESTINATION: an SSH host alias or an
// address kind, each followed by ':'.
func completeForwardEndpoint(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) >= 2 || strings.Contains(toComplete, ":") {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	out := matchingHosts(toComplete)
	for _, kind := range []string{"tcp:", "tcp4:", "tcp6:", "unix:"} {
		if strings.HasPrefix(kind, toComplete) {
			out = append(out, kind)
		}
	}
	return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
}

// matchingHosts are the aliases of ~/.ssh/config starting with prefix, each with ':'.
func matchingHosts(prefix string) []string {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil
	}
	var out []string
	for _, h := range sshHosts(filepath.Join(home, ".ssh", "config")) {
		if strings.HasPrefix(h, prefix) {
			out = append(out, h+":")
		}
	}
	return out
}

// sshHosts lists the host aliases the Host lines of an ssh config file name, without
// patterns (*, ?, negations); none when the file cannot be read.
func sshHosts(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.FieldsFunc(sc.Text(), func(r rune) bool { return r == ' ' || r == '\t' || r == '=' })
		if len(fields) < 2 || !strings.EqualFold(fields[0], "host") {
			continue
		}
		for _, h := range fields[1:] {
			if strings.HasPrefix(h, "#") {
				break
			}
			h = strings.Trim(h, `"`)
			if h != "" && !strings.ContainsAny(h, "*?!") && !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	return out
}
