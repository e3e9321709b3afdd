// Command ferry-agent runs on a remote host, started by the ferry daemon over SSH, and
// serves ferry's endpoints over its stdin/stdout. It writes nothing else to stdout.
package main

import (
	"fmt"
	"log"
	"os"
	"runtime/debug"
	"runtime/pprof"

	"github.com/ferrysync/ferry/agent"
	"github.com/ferrysync/ferry/protocol"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "version" {
		fmt.Println("ferry-agent", protocol.Version)
		return
	}
	if len(os.Args) < 2 || os.Args[1] != "agent" || (len(os.Args) != 2 && len(os.Args) != 4) || (len(os.Args) == 4 && os.Args[2] != "--cpuprofile") {
		fmt.Fprintln(os.Stderr, "ferry-agent is started by the ferry daemon over SSH (ferry-agent agent); it is not run by hand")
		os.Exit(2)
	}
	logger := log.New(os.Stderr, "ferry-agent: ", log.LstdFlags|log.Lmicroseconds)
	debug.SetGCPercent(50) // long-lived trees: keep the footprint near what is used
	if len(os.Args) == 4 {
		// Benchmarks ask for a CPU profile (the daemon passes FERRY_AGENT_CPUPROFILE).
		f, err := os.Create(os.Args[3])
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	if err := agent.Serve(os.Stdin, os.Stdout, agent.Options{Build: protocol.Version, Log: logger}); err != nil {
		logger.Print(err)
	}
}
