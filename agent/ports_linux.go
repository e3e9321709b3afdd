package agent

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ferrysync/ferry/protocol/agentwire"
)

// listeningPorts reads the TCP sockets in LISTEN state from /proc/net/tcp{,6}, and
// their owners from /proc/*/fd where this user may look.
func listeningPorts() ([]agentwire.Port, error) {
	owners := socketOwners()
	var ports []agentwire.Port
	for _, f := range []struct{ file, network string }{{"/proc/net/tcp", "tcp4"}, {"/proc/net/tcp6", "tcp6"}} {
		ps, err := readProcNet(f.file, f.network, owners)
		if err != nil && f.network == "tcp4" {
			return nil, fmt.Errorf("reading %s: %w", f.file, err)
		}
		ports = append(ports, ps...)
	}
	slices.SortFunc(ports, func(a, b agentwire.Port) int {
		if a.Port != b.Port {
			return a.Port - b.Port
		}
		return strings.Compare(a.Network+a.Address, b.Network+b.Address)
	})
	return ports, nil
}

type owner struct {
	pid  int
	name string
}

func readProcNet(file, network string, owners map[string]owner) ([]agentwire.Port, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []agentwire.Port
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != "0A" { // 0A: TCP_LISTEN
			continue
		}
		addr, port, err := parseHexAddr(fields[1])
		if err != nil {
			continue
		}
		p := agentwire.Port{Network: network, Address: addr, Port: port}
		if o, ok := owners[fields[9]]; ok {
			p.Process, p.PID = o.name, o.pid
		}
		out = append(out, p)
	}
	return out, sc.Err()
}

// parseHexAddr decodes /proc/net/tcp's "0100007F:1F90" (little-endian words).
func parseHexAddr(s string) (string, int, error) {
	h, p, ok := strings.Cut(s, ":")
	if !ok {
		return "", 0, fmt.Errorf("bad address %q", s)
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return "", 0, err
	}
	raw, err := hex.DecodeString(h)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return "", 0, fmt.Errorf("bad address %q", s)
	}
	ip := make(net.IP, len(raw))
	for i := 0; i < len(raw); i += 4 {
		ip[i], ip[i+1], ip[i+2], ip[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	return ip.String(), int(port), nil
}

// socketOwners maps socket inodes to the processes holding them.
func socketOwners() map[string]owner {
	out := map[string]owner{}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range procs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(filepath.Join(dir, "fd"))
		if err != nil {
			continue
		}
		var name string
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join(dir, "fd", fd.Name()))
			if err != nil || !strings.HasPrefix(target, "socket:[") {
				continue
			}
			if name == "" {
				comm, _ := os.ReadFile(filepath.Join(dir, "comm"))
				name = strings.TrimSpace(string(comm))
			}
			out[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = owner{pid, name}
		}
	}
	return out
}
