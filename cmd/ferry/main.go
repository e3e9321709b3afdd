// Command ferry is ferry's one binary: the CLI, the daemon (ferry daemon run) and the
// editor bridge (ferry --stdio). Every command is a client of the daemon's JSON-RPC API;
// main wires the engine's transports into the daemon here.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ferrysync/ferry/cmd/ferry/client"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/spf13/cobra"

	"github.com/ferrysync/ferry/protocol"
	"github.com/ferrysync/ferry/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCommand().ExecuteContext(ctx); err != nil {
		// ferry --stdio ends cleanly when the daemon stops on purpose (it relayed
		// daemon/stopping); it still says so on stderr.
		var stopped *client.StoppedError
		if errors.As(err, &stopped) {
			fmt.Fprintln(os.Stderr, "ferry:", err)
			os.Exit(0)
		}
		// Daemon errors carry a stable code for programs; people need the message.
		var rpcErr *jsonrpc2.Error
		if errors.As(err, &rpcErr) {
			err = errors.New(rpcErr.Message)
		}
		fmt.Fprintln(os.Stderr, "ferry:", err)
		// ferry project run exits with its command's status.
		var st *exitStatus
		if errors.As(err, &st) {
			os.Exit(st.code)
		}
		os.Exit(1)
	}
}

func rootCommand() *cobra.Command {
	var stdio bool
	root := &cobra.Command{
		Use:   "ferry",
		Short: "Keep a local folder and a remote folder in sync, and forward ports",
		Long: `ferry keeps folders in sync in real time and forwards network ports, so you edit
locally and run remotely. Sessions live in a per-user daemon that every command
starts when needed; editors speak to it with "ferry --stdio".`,
		Version:       protocol.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !stdio {
				return cmd.Help()
			}
			dir, err := server.DataDir()
			if err != nil {
				return err
			}
			return client.Relay(cmd.Context(), os.Stdin, os.Stdout, client.ClientOptions{
				DataDir: dir, Autostart: autostart(), Name: "ferry-stdio", OtherVersion: otherVersion()})
		},
	}
	addConfigFlags(root)
	root.Flags().BoolVar(&stdio, "stdio", false, "serve the JSON-RPC API on stdin/stdout (for editors), relaying to the daemon")
	root.AddCommand(daemonCommand(), syncCommand(), forwardCommand(), remoteCommand(), projectCommand(), versionCommand())
	finishCommandTree(root)
	return root
}

func versionCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the versions of this client and of the running daemon",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			daemon, err := daemonVersion(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(struct {
					Client string                  `json:"client"`
					Daemon *protocol.VersionResult `json:"daemon"`
				}{protocol.Version, daemon})
			}
			fmt.Println("client:", protocol.Version)
			if daemon == nil {
				fmt.Println("daemon: not running")
				return nil
			}
			fmt.Printf("daemon: %s (%s, %s/%s)\n", daemon.Version, daemon.GoVersion, daemon.OS, daemon.Arch)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print {\"client\": VERSION, \"daemon\": {...} or null when none runs}")
	return cmd
}

// daemonVersion asks the running daemon its version (nil when none runs); it starts
// none and takes any version.
func daemonVersion(ctx context.Context) (*protocol.VersionResult, error) {
	c, err := dial(ctx, false, func(o *client.ClientOptions) { o.OtherVersion = client.UseAnyVersion })
	if errors.Is(err, client.ErrNotRunning) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer c.Close()
	v, err := client.Call(ctx, c, protocol.DaemonVersion, protocol.None{})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// autostart reports whether client commands may start the daemon.
func autostart() bool { return os.Getenv("FERRY_NO_AUTOSTART") != "1" }

// otherVersion says what clients do with a daemon of another version: restart it if
// it is idle, unless autostart is off.
func otherVersion() client.VersionPolicy {
	if autostart() {
		return client.RestartOtherVersion
	}
	return client.RefuseOtherVersion
}

// dial connects to the daemon; autostartAllowed lets it start one (if the environment
// allows).
func dial(ctx context.Context, autostartAllowed bool, opts ...func(*client.ClientOptions)) (*client.Client, error) {
	dir, err := server.DataDir()
	if err != nil {
		return nil, err
	}
	o := client.ClientOptions{DataDir: dir, Autostart: autostartAllowed && autostart(), Name: "ferry-cli", Quiet: true,
		Prompt: newTerminalPrompter(), OtherVersion: otherVersion()}
	for _, f := range opts {
		f(&o)
	}
	return client.Dial(ctx, o)
}
