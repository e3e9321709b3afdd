package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"runtime/debug"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/engine/remote"
	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/engine/url"
	"github.com/ferrysync/ferry/protocol"
	"github.com/ferrysync/ferry/server"
)

func daemonCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run, start, stop or register the per-user daemon that hosts every session",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "run",
		Short: "Run the daemon in the foreground",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := server.DataDir()
			if err != nil {
				return err
			}
			log.SetFlags(log.LstdFlags | log.Lmicroseconds)
			// The daemon holds large, long-lived trees: a lower GC target keeps its
			// footprint near what it uses (bench W6: 946 B per entry at 50, 1298 B at
			// the default 100), for some GC time during big cycles, when the agent,
			// not the daemon, sets the pace.
			debug.SetGCPercent(50)
			stopProfiles, err := startProfiles()
			if err != nil {
				return err
			}
			defer stopProfiles()
			// The engine's transports: local folders, and SSH hosts through one shared
			// connection and agent per host.
			pool := remote.NewPool(remote.FindBundle())
			defer pool.Close()
			d, err := server.Listen(dir, server.Engine{
				Sync:          session.Transports{Local: session.OpenLocal, Remote: pool.Opener()},
				ForwardLocal:  forward.OpenLocal,
				ForwardRemote: pool.ForwardOpener(),
				RemotePorts:   remotePorts(pool),
			})
			if errors.Is(err, server.ErrRunning) {
				// A distinct exit, so a client that started this daemon knows another
				// one serves and need not read the log.
				fmt.Fprintln(os.Stderr, "ferry:", err)
				os.Exit(client.ExitRunning)
			}
			if err != nil {
				return err
			}
			pool.SetFallback(d.Prompter())
			log.Printf("ferry daemon %s serving %s", protocol.Version, server.SocketPath(dir))
			go func() {
				select {
				case <-cmd.Context().Done(): // SIGINT or SIGTERM
					d.Shutdown(protocol.DaemonStopping{Reason: protocol.StopSignal})
				case <-d.Done():
				}
			}()
			err = d.Serve(cmd.Context())
			log.Printf("ferry daemon stopped")
			return err
		},
	}, &cobra.Command{
		Use:   "start",
		Short: "Start the daemon in the background (client commands also do this when needed)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := dial(cmd.Context(), false)
			if err == nil {
				c.Close()
				fmt.Println("The daemon is already running.")
				return nil
			}
			if !errors.Is(err, client.ErrNotRunning) {
				return err
			}
			// Started once, and waited for (even with FERRY_NO_AUTOSTART: this is the
			// explicit start).
			c, err = dial(cmd.Context(), true, func(o *client.ClientOptions) { o.Autostart = true })
			if err != nil {
				return err
			}
			c.Close()
			fmt.Println("Started the daemon.")
			return nil
		},
	}, &cobra.Command{
		Use:   "stop",
		Short: "Stop the daemon; sessions resume when it next starts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := server.DataDir()
			if err != nil {
				return err
			}
			err = client.StopDaemon(cmd.Context(), dir, "ferry-cli")
			if errors.Is(err, client.ErrNotRunning) {
				fmt.Println("The daemon is not running.")
				return nil
			}
			if err != nil {
				return err
			}
			fmt.Println("Stopped the daemon.")
			return nil
		},
	}, daemonRegisterCommand(), daemonUnregisterCommand())
	return cmd
}

// remotePorts lists a host's listening ports through its agent.
func remotePorts(pool *remote.Pool) server.PortLister {
	return func(ctx context.Context, host url.URL) ([]protocol.ListeningPort, error) {
		ports, err := pool.Ports(ctx, host)
		if err != nil {
			return nil, err
		}
		out := make([]protocol.ListeningPort, len(ports))
		for i, p := range ports {
			out[i] = protocol.ListeningPort{Network: p.Network, Address: p.Address, Port: p.Port, Process: p.Process, PID: p.PID}
		}
		return out, nil
	}
}
