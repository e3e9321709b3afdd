package agent

import (
	"fmt"
	"os"

	"github.com/ferrysync/ferry/protocol/agentwire"
)

// serveOther handles the stream kinds that are not about sync endpoints.
func (a *Agent) serveOther(c *agentwire.Conn, kind byte, payload []byte) error {
	return c.ReplyError(fmt.Errorf("this agent does not support stream kind %d; the daemon and agent versions differ", kind))
}

func mkdirAll(dir string) error { return os.MkdirAll(dir, 0o700) }
