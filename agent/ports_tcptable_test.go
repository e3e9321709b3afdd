package agent

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferrysync/ferry/protocol/agentwire"
)

// The tables are laid out as GetExtendedTcpTable fills them (iphlpapi's
// MIB_TCPTABLE_OWNER_PID and MIB_TCP6TABLE_OWNER_PID, x86 and arm64 are
// little-endian), with what a Windows machine typically listens on. They were built
// from the documented layout, not captured on Windows.

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// netPortDword stores a port as the tables do: network order in the low 16 bits.
func netPortDword(p int) []byte { return []byte{byte(p >> 8), byte(p), 0, 0} }

func row4(state uint32, local [4]byte, port int, pid uint32) []byte {
	r := le32(state)
	r = append(r, local[:]...)
	r = append(r, netPortDword(port)...)
	r = append(r, 0, 0, 0, 0) // remote address
	r = append(r, 0, 0, 0, 0) // remote port
	return append(r, le32(pid)...)
}

func row6(state uint32, local [16]byte, port int, pid uint32) []byte {
	r := append([]byte{}, local[:]...)
	r = append(r, le32(0)...) // scope
	r = append(r, netPortDword(port)...)
	r = append(r, make([]byte, 16)...) // remote address
	r = append(r, le32(0)...)          // remote scope
	r = append(r, le32(0)...)          // remote port
	r = append(r, le32(state)...)
	return append(r, le32(pid)...)
}

func table(rows ...[]byte) []byte {
	buf := le32(uint32(len(rows)))
	for _, r := range rows {
		buf = append(buf, r...)
	}
	return append(buf, make([]byte, 64)...) // the buffer is larger than the table
}

func TestParseTCPTable4(t *testing.T) {
	buf := table(
		row4(2, [4]byte{0, 0, 0, 0}, 135, 1024),       // RPC endpoint mapper (svchost)
		row4(2, [4]byte{127, 0, 0, 1}, 5432, 4242),    // a database on loopback
		row4(5, [4]byte{10, 0, 0, 5}, 50123, 777),     // ESTABLISHED: not a listener
		row4(2, [4]byte{192, 168, 1, 20}, 3000, 9001), // a dev server on one interface
	)
	require.Len(t, buf[4:4+4*tcpRow4Bytes], 4*tcpRow4Bytes)
	ports, err := parseTCPTable4(buf)
	require.NoError(t, err)
	require.Equal(t, []agentwire.Port{
		{Network: "tcp4", Address: "0.0.0.0", Port: 135, PID: 1024},
		{Network: "tcp4", Address: "127.0.0.1", Port: 5432, PID: 4242},
		{Network: "tcp4", Address: "192.168.1.20", Port: 3000, PID: 9001},
	}, ports)
}

func TestParseTCPTable6(t *testing.T) {
	loopback := [16]byte{15: 1}
	buf := table(
		row6(2, [16]byte{}, 445, 4), // SMB (System)
		row6(2, loopback, 8080, 5150),
		row6(11, loopback, 8081, 5150), // TIME_WAIT
	)
	ports, err := parseTCPTable6(buf)
	require.NoError(t, err)
	require.Equal(t, []agentwire.Port{
		{Network: "tcp6", Address: "::", Port: 445, PID: 4},
		{Network: "tcp6", Address: "::1", Port: 8080, PID: 5150},
	}, ports)
}

func TestParseTCPTableRefusesShortTables(t *testing.T) {
	_, err := parseTCPTable4([]byte{1, 0})
	require.Error(t, err)
	_, err = parseTCPTable4(append(le32(3), row4(2, [4]byte{}, 80, 1)...))
	require.Error(t, err, "a count larger than the rows present")
	ports, err := parseTCPTable6(le32(0))
	require.NoError(t, err)
	require.Empty(t, ports)
}
