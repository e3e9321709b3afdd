package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/protocol"
)

func forwardCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "forward",
		Short: "Forward network ports between this machine and SSH hosts",
	}
	cmd.AddCommand(forwardCreateCommand(), forwardListCommand(), forwardMonitorCommand(),
		selectionCommand("pause", "Close forwards' listeners until resumed", protocol.ForwardPause, "Paused", forwardLabels),
		selectionCommand("resume", "Resume paused forwards", protocol.ForwardResume, "Resumed", forwardLabels),
		selectionCommand("terminate", "Stop forwards and delete them", protocol.ForwardTerminate, "Terminated", forwardLabels),
	)
	return cmd
}

func forwardCreateCommand() *cobra.Command {
	var p protocol.ForwardCreateParams
	var labels []string
	cmd := &cobra.Command{
		Use:   "create [flags] SOURCE DESTINATION",
		Short: "Listen at SOURCE and relay every connection to DESTINATION",
		Long: `Each side is tcp:HOST:PORT, tcp4:HOST:PORT, tcp6:[ADDR]:PORT or unix:PATH, optionally
after an SSH host ([user@]host[:port]:). The source listens; the destination is dialed
for every connection, over the host's shared SSH connection.`,
		Example: `  ferry forward create --name web tcp:localhost:8080 devbox:tcp:localhost:3000
  ferry forward create --name hook devbox:tcp:localhost:9000 tcp:localhost:9000
  ferry forward create --name docker tcp:localhost:2375 devbox:unix:/var/run/docker.sock`,
		Args: exactArgs(2, "give two endpoints: SOURCE and DESTINATION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cwd, _ := os.Getwd()
			src, err := forward.ParseAddress(args[0], cwd)
			if err != nil {
				return err
			}
			dst, err := forward.ParseAddress(args[1], cwd)
			if err != nil {
				return err
			}
			p.Source, p.Destination = src.String(), dst.String()
			if p.Labels, err = parseLabels(labels); err != nil {
				return err
			}
			d, err := loadDefaults()
			if err != nil {
				return err
			}
			applyForwardDefaults(cmd.Flags(), &p, src, d)
			c, err := dial(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer c.Close()
			res, err := client.Call(cmd.Context(), c, protocol.ForwardCreate, p)
			if err != nil {
				return err
			}
			fmt.Printf("Created session %s\n", res.Session.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&p.Name, "name", "n", "", "name of the forward (a letter, then letters, digits and '-')")
	f.StringArrayVar(&labels, "label", nil, "label the forward with key=value (repeatable)")
	f.StringVar(&p.SocketMode, "socket-mode", "", "permissions of a unix listener socket, in octal (default 0600)")
	f.BoolVar(&p.SocketOverwrite, "socket-overwrite", false, "replace an existing file at a unix listener's path")
	f.BoolVarP(&p.Paused, "paused", "p", false, "create the forward paused")
	return cmd
}

func forwardListCommand() *cobra.Command {
	var asJSON bool
	var tmpl string
	cmd := &cobra.Command{Use: "list [NAME|ID...]", Short: "List forwards and their state"}
	sel := selectionFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the forwards as a JSON array of the API's objects")
	cmd.Flags().StringVar(&tmpl, "template", "", "print each forward through a Go text/template (fields as in --json, Go spelling: {{.Name}} {{.Status}} {{.Source}})")
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
		res, err := client.Call(cmd.Context(), c, protocol.ForwardList, protocol.ForwardListParams{Selection: sel(args)})
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
			fmt.Println("No forwards. Create one with \"ferry forward create SOURCE DESTINATION\".")
			return nil
		}
		for i, s := range res.Sessions {
			if i > 0 {
				fmt.Println()
			}
			printForward(os.Stdout, s)
		}
		return nil
	}
	return cmd
}

func printForward(w io.Writer, s protocol.ForwardSession) {
	name := s.Name
	if name == "" {
		name = "(none)"
	}
	fmt.Fprintf(w, "Name: %s\nIdentifier: %s\nLabels: %s\n", name, s.ID, formatLabels(s.Labels))
	fmt.Fprintf(w, "Source: %s (connected: %s)\n", s.Source, yesNo(s.SourceConnected))
	fmt.Fprintf(w, "Destination: %s (connected: %s)\n", s.Destination, yesNo(s.DestinationConnected))
	fmt.Fprintf(w, "Status: %s\n", s.Status)
	fmt.Fprintf(w, "Connections: %d open, %d total, %d failed\n", s.OpenConnections, s.TotalConnections, s.FailedConnections)
	fmt.Fprintf(w, "Traffic: %s out, %s in\n", formatBytes(s.BytesOut), formatBytes(s.BytesIn))
	if s.LastError != "" {
		fmt.Fprintf(w, "Last error: %s\n", s.LastError)
	}
}

func forwardLine(s protocol.ForwardSession) string {
	name := s.Name
	if name == "" {
		name = s.ID
	}
	if s.Terminated {
		return name + ": terminated"
	}
	line := fmt.Sprintf("%s: %s, %d open, %d total, %s out, %s in", name, s.Status, s.OpenConnections,
		s.TotalConnections, formatBytes(s.BytesOut), formatBytes(s.BytesIn))
	if s.LastError != "" {
		line += " [error: " + s.LastError + "]"
	}
	return line
}

func forwardMonitorCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "monitor [NAME|ID...]", Short: "Show a live status line per forward (Ctrl-C to stop)"}
	sel := selectionFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx, cancel := context.WithCancel(cmd.Context())
		defer cancel()
		var mu sync.Mutex
		last := map[string]string{}
		var wanted map[string]bool
		var stopping *protocol.DaemonStopping
		show := func(s protocol.ForwardSession) {
			if line := forwardLine(s); last[s.ID] != line {
				last[s.ID] = line
				fmt.Println(line)
			}
		}
		c, err := dial(ctx, true, func(o *client.ClientOptions) {
			o.Quiet = false
			o.OnStopping = func(s protocol.DaemonStopping) {
				mu.Lock()
				stopping = &s
				mu.Unlock()
			}
			o.OnForward = func(s protocol.ForwardSession) {
				mu.Lock()
				defer mu.Unlock()
				if wanted != nil && wanted[s.ID] {
					show(s)
					if s.Terminated {
						delete(wanted, s.ID)
						if len(wanted) == 0 {
							cancel()
						}
					}
				}
			}
		})
		if err != nil {
			return err
		}
		defer c.Close()
		res, err := client.Call(ctx, c, protocol.ForwardList, protocol.ForwardListParams{Selection: sel(args)})
		if err != nil {
			return err
		}
		if len(res.Sessions) == 0 {
			return fmt.Errorf("no forward to monitor; create one with \"ferry forward create SOURCE DESTINATION\"")
		}
		mu.Lock()
		wanted = map[string]bool{}
		for _, s := range res.Sessions {
			wanted[s.ID] = true
			show(s)
		}
		mu.Unlock()
		select {
		case <-ctx.Done():
		case <-c.Done():
			mu.Lock()
			defer mu.Unlock()
			if stopping != nil {
				return &client.StoppedError{Info: *stopping}
			}
			return fmt.Errorf("the daemon closed the connection without saying why (it may have crashed); see its log")
		}
		return nil
	}
	return cmd
}

// forwardLabels names the selected forwards.
func forwardLabels(ctx context.Context, c *client.Client, s protocol.Selection) ([]string, error) {
	res, err := client.Call(ctx, c, protocol.ForwardList, protocol.ForwardListParams{Selection: s})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(res.Sessions))
	for i, st := range res.Sessions {
		out[i] = st.ID
		if st.Name != "" {
			out[i] = fmt.Sprintf("%s (%s)", st.Name, st.ID)
		}
	}
	return out, nil
}

func remoteCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "remote", Short: "Look at SSH hosts and containers"}
	var asJSON bool
	ports := &cobra.Command{
		Use:   "ports HOST",
		Short: "List the TCP ports listening on an SSH host or in a container, to pick one to forward",
		Args:  exactArgs(1, "give one SSH host ([user@]host[:port]) or container (docker://[user@]container)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := dial(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer c.Close()
			res, err := client.Call(cmd.Context(), c, protocol.RemotePorts, protocol.RemotePortsParams{Host: args[0]})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(nonNil(res.Ports))
			}
			if len(res.Ports) == 0 {
				fmt.Printf("No TCP port is listening on %s.\n", args[0])
				return nil
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PORT\tADDRESS\tNETWORK\tPROCESS")
			for _, p := range res.Ports {
				proc := p.Process
				if p.PID != 0 {
					proc = fmt.Sprintf("%s (%d)", p.Process, p.PID)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", p.Port, p.Address, p.Network, strings.TrimSpace(proc))
			}
			return tw.Flush()
		},
	}
	ports.Flags().BoolVar(&asJSON, "json", false, "print the ports as a JSON array of the API's objects")
	cmd.AddCommand(ports)
	return cmd
}
