// Command ferry is the ferry CLI, the daemon (ferry daemon run) and the editor bridge
// (ferry --stdio).
package main

import (
	"fmt"
	"os"

	"github.com/ferrysync/ferry/protocol"
)

func main() {
	fmt.Fprintln(os.Stdout, "ferry", protocol.Version)
}
