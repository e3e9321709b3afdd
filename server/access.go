package server

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"time"

	"github.com/ferrysync/ferry/protocol"
)

// userName describes a uid as "uid 1000 (alice)", or "uid 1000" when it has no name.
func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil && u.Username != "" {
		return fmt.Sprintf("uid %d (%s)", uid, u.Username)
	}
	return fmt.Sprintf("uid %d", uid)
}

// peerError explains why a connection from uid is refused.
func peerError(uid int) error {
	return fmt.Errorf("this ferry daemon belongs to %s and serves only that user, and you are %s; run ferry as that user, or give yourself a data directory of your own (FERRY_DATA_DIR)",
		userName(os.Getuid()), userName(uid))
}

// refuse tells a refused peer why, in a JSON-RPC error with a null id (it has not
// sent anything we answer), then closes the connection.
func refuse(conn net.Conn, why error) {
	defer conn.Close()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": nil,
		"error": map[string]any{"code": protocol.CodePermissionDenied, "message": why.Error()}})
	conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	protocol.WriteFrame(conn, body)
}
