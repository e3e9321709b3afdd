package agent

import (
	"bufio"
	"bytes"
	"net"
	"os/exec"
	"strconv"
	"strings"

	"github.com/ferrysync/ferry/protocol/agentwire"
)

// listeningPorts asks lsof (part of macOS) for TCP sockets in LISTEN state.
func listeningPorts() ([]agentwire.Port, error) {
	out, err := exec.Command("lsof", "-nP", "-iTCP", "-sTCP:LISTEN", "-FpcnT").Output()
	if err != nil && len(out) == 0 {
		return nil, nil // lsof exits 1 when nothing listens
	}
	var ports []agentwire.Port
	var pid int
	var name string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		switch line[0] {
		case 'p':
			pid, _ = strconv.Atoi(line[1:])
		case 'c':
			name = line[1:]
		case 'n':
			host, port, err := net.SplitHostPort(line[1:])
			if err != nil {
				continue
			}
			n, _ := strconv.Atoi(port)
			network := "tcp4"
			if strings.Contains(host, ":") {
				network = "tcp6"
			}
			if host == "*" {
				host = "0.0.0.0"
			}
			ports = append(ports, agentwire.Port{Network: network, Address: host, Port: n, Process: name, PID: pid})
		}
	}
	return ports, nil
}
