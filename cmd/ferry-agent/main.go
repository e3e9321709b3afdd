// Command ferry-agent runs on a remote host, started by the ferry daemon over SSH, and
// serves ferry's endpoints over its stdin/stdout. It writes nothing else to stdout.
package main

import (
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/ferrysync/ferry/agent"
	"github.com/ferrysync/ferry/protocol"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "version" {
		fmt.Println("ferry-agent", protocol.Version)
		return
	}
	if len(os.Args) < 2 || os.Args[1] != "agent" {
		fmt.Fprintln(os.Stderr, "ferry-agent is started by the ferry daemon over SSH (ferry-agent agent); it is not run by hand")
		os.Exit(2)
	}
	logger := log.New(os.Stderr, "ferry-agent: ", log.LstdFlags|log.Lmicroseconds)
	// Benchmarks ask for profiles (the daemon passes FERRY_AGENT_CPUPROFILE and
	// FERRY_AGENT_MEMPROFILE); "%p" in a path becomes the pid.
	var cpuProfile, memProfile string
	for args := os.Args[2:]; len(args) >= 2; args = args[2:] {
		path := strings.ReplaceAll(args[1], "%p", strconv.Itoa(os.Getpid()))
		switch args[0] {
		case "--cpuprofile":
			cpuProfile = path
		case "--memprofile":
			memProfile = path
		}
	}
	if cpuProfile != "" {
		if f, err := os.Create(cpuProfile); err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	if memProfile != "" {
		defer func() {
			if f, err := os.Create(memProfile); err == nil {
				runtime.GC()
				pprof.WriteHeapProfile(f)
				f.Close()
			}
		}()
	}
	if err := agent.Serve(os.Stdin, os.Stdout, agent.Options{Build: protocol.Version, Log: logger}); err != nil {
		logger.Print(err)
	}
}
