package agent

import (
	"encoding/binary"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/ferrysync/ferry/protocol/agentwire"
)

// This file decodes the tables Windows' GetExtendedTcpTable fills (TableClass
// TCP_TABLE_OWNER_PID_LISTENER). It is pure Go on every system, so the decoding is
// tested anywhere; ports_windows.go asks for the tables.

const (
	tcpRow4Bytes      = 24 // MIB_TCPROW_OWNER_PID: state, local addr, local port, remote addr, remote port, pid
	tcpRow6Bytes      = 56 // MIB_TCP6ROW_OWNER_PID: local addr[16], scope, port, remote addr[16], scope, port, state, pid
	mibTCPStateListen = 2
)

// parseTCPTable4 decodes a MIB_TCPTABLE_OWNER_PID: a DWORD count, then rows of
// DWORDs in host (little-endian) order, except that addresses are in network order
// and ports in network order in their DWORD's low 16 bits.
func parseTCPTable4(buf []byte) ([]agentwire.Port, error) {
	rows, err := tableRows(buf, tcpRow4Bytes)
	if err != nil {
		return nil, err
	}
	var out []agentwire.Port
	for _, r := range rows {
		if binary.LittleEndian.Uint32(r[0:]) != mibTCPStateListen {
			continue
		}
		ip := net.IPv4(r[4], r[5], r[6], r[7])
		out = append(out, agentwire.Port{Network: "tcp4", Address: ip.String(), Port: netPort(r[8:12]),
			PID: int(binary.LittleEndian.Uint32(r[20:]))})
	}
	return out, nil
}

// parseTCPTable6 decodes a MIB_TCP6TABLE_OWNER_PID.
func parseTCPTable6(buf []byte) ([]agentwire.Port, error) {
	rows, err := tableRows(buf, tcpRow6Bytes)
	if err != nil {
		return nil, err
	}
	var out []agentwire.Port
	for _, r := range rows {
		if binary.LittleEndian.Uint32(r[48:]) != mibTCPStateListen {
			continue
		}
		ip := make(net.IP, net.IPv6len)
		copy(ip, r[0:16])
		out = append(out, agentwire.Port{Network: "tcp6", Address: ip.String(), Port: netPort(r[20:24]),
			PID: int(binary.LittleEndian.Uint32(r[52:]))})
	}
	return out, nil
}

// tableRows splits a table into its rows after checking the count against the size.
func tableRows(buf []byte, rowBytes int) ([][]byte, error) {
	if len(buf) < 4 {
		return nil, fmt.Errorf("TCP table of %d bytes has no count", len(buf))
	}
	n := int(binary.LittleEndian.Uint32(buf))
	if n > (len(buf)-4)/rowBytes {
		return nil, fmt.Errorf("TCP table says %d rows but holds %d bytes", n, len(buf))
	}
	rows := make([][]byte, n)
	for i := range rows {
		rows[i] = buf[4+i*rowBytes : 4+(i+1)*rowBytes]
	}
	return rows, nil
}

// netPort reads a port stored in network order in the first two bytes of a DWORD.
func netPort(b []byte) int { return int(b[0])<<8 | int(b[1]) }

// sortPorts orders ports as every platform lists them.
func sortPorts(ports []agentwire.Port) {
	slices.SortFunc(ports, func(a, b agentwire.Port) int {
		if a.Port != b.Port {
			return a.Port - b.Port
		}
		return strings.Compare(a.Network+a.Address, b.Network+b.Address)
	})
}
