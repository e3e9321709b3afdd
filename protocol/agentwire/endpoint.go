package agentwire

import (
	"encoding/json"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/tree"
)

// Endpoint methods, for KindCall streams.
const (
	// MethodScan: args a flags byte (ScanFlags), the hash of the tree the daemon holds (zero for
	// none); result patches turning that tree into the scanned one (one patch of the
	// root when the daemon holds another tree), the scanned root's hash, watch string,
	// watch problem string, a byte set when the side has no executable bits, the
	// root's identity string, a byte set when files changed while they were read, the
	// probed file system (AppendFileSystem), and with ScanPrefetch contents
	// (AppendContents) of changed small files (Prefetch).
	MethodScan byte = iota + 1
	// MethodStage: args signatures byte, stage files; result needed list.
	MethodStage
	// MethodTransition: args changes; result trees, problems.
	MethodTransition
	// MethodReadFile: args path, limit; result bytes.
	MethodReadFile
	// MethodTrash: no args; result count, then per item batch, path, size, link byte,
	// time (Unix nanoseconds).
	MethodTrash
	// MethodRestore: args batch, path, to; result empty.
	MethodRestore
	// MethodTransitionWith: args changes, contents (the whole contents of small files
	// the changes need); result trees, problems. One exchange instead of staging's.
	MethodTransitionWith
)

// Scan flags.
const (
	scanFull    = 1 << 0
	scanBarrier = 1 << 1
	// ScanPrefetch asks for the contents of small files the scan found changed, after
	// the result (see Prefetch): their transfer then needs no round trip of its own.
	ScanPrefetch = 1 << 2
)

// Bounds of the contents a scan sends ahead: files of at most PrefetchFileMax bytes,
// at most PrefetchFilesMax of them and PrefetchTotalMax bytes in all, so a scan
// reply stays small on a slow link.
const (
	PrefetchFileMax  = 64 << 10
	PrefetchTotalMax = 1 << 20
	PrefetchFilesMax = 64
)

// Prefetch picks, among the files that patches bring, those whose contents a scan
// reply carries: each distinct digest once, within the bounds. A patch
// of the whole root (a first scan) brings none: its transfer is large anyway.
func Prefetch(patches []tree.Patch) []endpoint.StageFile {
	var files []endpoint.StageFile
	seen := map[tree.Digest]bool{}
	var total int64
	for _, p := range patches {
		if p.Path == "" {
			continue
		}
		tree.Walk(p.Entry, p.Path, func(path string, e *tree.Entry) bool {
			if len(files) == PrefetchFilesMax {
				return false
			}
			if e.Kind == tree.File && e.Size <= PrefetchFileMax && !seen[e.Digest] && total+e.Size <= PrefetchTotalMax {
				seen[e.Digest] = true
				total += e.Size
				files = append(files, endpoint.StageFile{Path: path, Digest: e.Digest, Size: e.Size})
			}
			return true
		})
	}
	return files
}

// ScanFlags encodes scan options in MethodScan's flags byte.
func ScanFlags(o endpoint.ScanOptions) byte {
	var b byte
	if o.Full {
		b |= scanFull
	}
	if o.Barrier {
		b |= scanBarrier
	}
	return b
}

// ParseScanFlags decodes MethodScan's flags byte; unknown bits are ignored.
func ParseScanFlags(b byte) endpoint.ScanOptions {
	return endpoint.ScanOptions{Full: b&scanFull != 0, Barrier: b&scanBarrier != 0}
}

// EndpointOpen opens an endpoint on the agent's host.
type EndpointOpen struct {
	// Session and Side name the endpoint's state files on the agent's host.
	Session string `json:"session"`
	Side    string `json:"side"`
	// Path is the root: absolute, or "~" / "~/rest" relative to the agent's home.
	Path string `json:"path"`
	// Config is the session's configuration (engine/session.SyncConfig as JSON).
	Config json.RawMessage `json:"config"`
	// Create allows creating a missing root whose parent exists.
	Create bool `json:"create"`
}

// ApplyResults patches root, the tree of a side as the daemon and its agent both hold
// it, with what a transition did (its changes and their results), the same way on both
// ends, so that the next scan can be sent as patches against it. A rename (From set)
// that was made moves the entry.
func ApplyResults(root *tree.Entry, changes []tree.Change, results []*tree.Entry) *tree.Entry {
	if root == nil {
		return nil
	}
	for i, c := range changes {
		if c.From != "" {
			if results[i] == nil {
				continue
			}
			root = tree.With(root, c.From, nil)
		}
		root = tree.With(root, c.Path, results[i])
	}
	return root
}
