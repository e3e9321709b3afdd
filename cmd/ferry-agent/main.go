// Command ferry-agent runs on a remote host, started by the ferry daemon over SSH, and
// serves ferry's endpoints over its stdin/stdout. It writes nothing else to stdout.
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/ferrysync/ferry/agent"
	"github.com/ferrysync/ferry/protocol"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "version" {
		fmt.Println("ferry-agent", protocol.Version)
		return
	}
	if len(os.Args) != 2 || os.Args[1] != "agent" {
		fmt.Fprintln(os.Stderr, "ferry-agent is started by the ferry daemon over SSH (ferry-agent agent); it is not run by hand")
		os.Exit(2)
	}
	logger := log.New(os.Stderr, "ferry-agent: ", log.LstdFlags|log.Lmicroseconds)
	if err := agent.Serve(os.Stdin, os.Stdout, agent.Options{Build: protocol.Version, Log: logger}); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}
