// Command ferry-agent runs on a remote host and serves ferry's endpoints over its stdio.
package main

import (
	"fmt"
	"os"

	"github.com/ferrysync/ferry/protocol"
)

func main() {
	fmt.Fprintln(os.Stderr, "ferry-agent", protocol.Version)
}
