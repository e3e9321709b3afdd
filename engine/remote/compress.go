package remote

import (
	"os"
	"time"
)

// File contents travel compressed (zstd, adaptively per file: see agentwire.Sender)
// unless the link is fast enough that compressing would cost more time than it saves.
// The link's speed is judged by its round-trip time, measured when the host connects:
// below compressBelowRTT the other end is on this machine or on a local network, whose
// bandwidth is in the range of what the fastest zstd level compresses per core.
const compressBelowRTT = time.Millisecond

// CompressionEnv overrides that judgment: "always" or "never" ("auto" or unset: by
// the link).
const CompressionEnv = "FERRY_COMPRESSION"

// decideCompression says whether contents sent over a link with round-trip time rtt
// are compressed.
func decideCompression(rtt time.Duration, measured bool) bool {
	switch os.Getenv(CompressionEnv) {
	case "always":
		return true
	case "never":
		return false
	}
	return measured && rtt >= compressBelowRTT
}

// Compress reports whether contents sent to or from this host are compressed.
func (h *Host) Compress() bool { return h.compress }
