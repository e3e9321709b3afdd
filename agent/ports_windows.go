package agent

import (
	"errors"
	"fmt"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/ferrysync/ferry/protocol/agentwire"
)

var procGetExtendedTcpTable = windows.NewLazySystemDLL("iphlpapi.dll").NewProc("GetExtendedTcpTable")

const tcpTableOwnerPIDListener = 3 // TCP_TABLE_OWNER_PID_LISTENER

// listeningPorts asks iphlpapi for the TCP sockets in LISTEN state, IPv4 and IPv6,
// and names their processes where this user may look. (netstat's output is
// localized; the table is not.)
func listeningPorts() ([]agentwire.Port, error) {
	var ports []agentwire.Port
	for _, f := range []struct {
		family uint32
		parse  func([]byte) ([]agentwire.Port, error)
	}{{windows.AF_INET, parseTCPTable4}, {windows.AF_INET6, parseTCPTable6}} {
		buf, err := extendedTCPTable(f.family)
		if err != nil {
			if f.family == windows.AF_INET {
				return nil, err
			}
			continue // no IPv6 stack
		}
		ps, err := f.parse(buf)
		if err != nil {
			return nil, err
		}
		ports = append(ports, ps...)
	}
	names := map[int]string{}
	for i, p := range ports {
		if p.PID == 0 {
			continue
		}
		name, ok := names[p.PID]
		if !ok {
			name = processName(uint32(p.PID))
			names[p.PID] = name
		}
		ports[i].Process = name
	}
	sortPorts(ports)
	return ports, nil
}

// extendedTCPTable calls GetExtendedTcpTable, growing the buffer as it asks.
func extendedTCPTable(family uint32) ([]byte, error) {
	size := uint32(16 << 10)
	for range 8 {
		buf := make([]byte, size)
		r, _, _ := procGetExtendedTcpTable.Call(uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)),
			0, uintptr(family), tcpTableOwnerPIDListener, 0)
		switch err := windows.Errno(r); {
		case r == 0:
			return buf, nil // the table's count says how much of it is rows
		case errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER):
			size += 4 << 10 // sockets may open between the calls
		default:
			return nil, fmt.Errorf("GetExtendedTcpTable: %w", err)
		}
	}
	return nil, errors.New("GetExtendedTcpTable: the table kept growing")
}

// processName is the executable's base name, "" when the process cannot be opened.
func processName(pid uint32) string {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return ""
	}
	defer windows.CloseHandle(h)
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &n); err != nil {
		return ""
	}
	return filepath.Base(windows.UTF16ToString(buf[:n]))
}
