// Package endpoint defines the boundary between a sync session and one of its sides.
//
// A session drives two Endpoints through the steps of a cycle (scan, stage, supply,
// transition). The local implementation works on a directory of this machine; the
// remote one proxies the same calls to an agent over a stream. The session does not
// know which it holds.
//
// Invariants every implementation keeps:
//   - Nothing outside the root is written, whatever paths a caller passes: paths are
//     validated (tree.ValidPath) and resolved without following symbolic links in
//     parent directories.
//   - Transition never replaces or removes an entry that differs from what the last scan
//     saw there (the change's Old); such changes are skipped and reported.
//   - Staged content is verified against its digest before it can land at a path, and
//     lands by atomic rename, so no partial file ever appears at a synced path.
package endpoint

import (
	"context"
	"errors"
	"time"

	"github.com/ferrysync/ferry/engine/delta"
	"github.com/ferrysync/ferry/engine/tree"
)

// Endpoint is one side of a sync session.
//
// Concurrency: the session calls Scan, Stage, Receiver, Supply and Transition from one
// goroutine, never two at once on the same endpoint, except that Supply on one
// endpoint runs while the other endpoint's Receiver consumes what it sends, and that
// Transition may be called while this endpoint's Receiver (of the last Stage) still
// takes in contents: Transition then first waits until every content its changes need
// from that staging has arrived or been given up on (a pipelined cycle, which lands
// in batches as contents arrive). Changes,
// Problem and Close may be called from any goroutine. Close unblocks every call in
// progress, which then returns an error. Cancelling ctx aborts a call; the endpoint
// stays usable.
type Endpoint interface {
	// Changes receives a value whenever something under the root may have changed since
	// the last Scan (coalesced; it never blocks the sender). It is closed when the
	// endpoint fails or is closed.
	Changes() <-chan struct{}

	// Scan returns the current tree of the root (nil when the root does not exist).
	// Unless opts.Full is set the endpoint may re-read only what its watcher reported
	// changed; with opts.Barrier the tree includes every change made on this side
	// before the call.
	Scan(ctx context.Context, opts ScanOptions) (*ScanResult, error)

	// Stage prepares to receive the contents of files: content already present on this
	// side (identical files elsewhere in the root, or staged earlier) is staged locally.
	// It returns what must come from the other side, one entry per distinct digest, with
	// a signature of the file now at the path when signatures is true and a base worth
	// a delta is there.
	Stage(ctx context.Context, files []StageFile, signatures bool) ([]Needed, error)

	// Receiver returns a sink for the contents listed by the last Stage call.
	Receiver(ctx context.Context) (Receiver, error)

	// Supply reads the files named by needed from this side's root and sends their
	// contents, as deltas against the given signatures, to r. A file that cannot be read
	// is reported to r with Skip; Supply fails only when r or the endpoint fails.
	Supply(ctx context.Context, needed []Needed, r Receiver) error

	// Transition applies changes and returns, for each, what is now at its path as far as
	// the endpoint knows: New when the change was applied, otherwise what remains of Old.
	// Problems explain changes that were skipped or failed.
	Transition(ctx context.Context, changes []tree.Change) ([]*tree.Entry, []Problem, error)

	// ReadFile returns the contents of the regular file at path, refusing files larger
	// than limit bytes. Unlike the methods above it may be called at any time, from any
	// goroutine, concurrently with them.
	ReadFile(ctx context.Context, path string, limit int64) ([]byte, error)

	// Trash lists what transitions removed or overwrote on this side and kept, newest
	// first. Like ReadFile, it may be called at any time.
	Trash(ctx context.Context) ([]TrashItem, error)

	// Restore copies a trash item back under the root at to (path when empty); it never
	// overwrites anything. Like ReadFile, it may be called at any time.
	Restore(ctx context.Context, batch, path, to string) error

	// Replica identifies the replica this endpoint serves: a random identifier kept
	// with the endpoint's state on its host, made the first time. It changes only when
	// that state is lost (a recreated machine or container).
	Replica() string

	// Close releases the endpoint.
	Close() error
}

// Content is the whole contents of a file, sent with the changes that need it.
type Content struct {
	Digest tree.Digest
	Data   []byte
}

// InlineTransitioner is an Endpoint that can take small contents together with the
// changes that need them, in one exchange: over a link, that spares staging's round
// trips. TransitionWith stages contents (verified by digest, as received contents are;
// mismatches are reported like a failed transfer) and then transitions as Transition
// does. The concurrency contract is Transition's.
type InlineTransitioner interface {
	TransitionWith(ctx context.Context, changes []tree.Change, contents []Content) ([]*tree.Entry, []Problem, error)
}

// TrashItem is something a transition removed or overwrote and kept.
type TrashItem struct {
	// Batch names the transition (its time); Time is that time.
	Batch string
	Time  time.Time
	// Path is where it was under the root; Size its size in bytes; Link is set for a
	// symbolic link.
	Path string
	Size int64
	Link bool
}

// ScanOptions say what a scan must cover.
type ScanOptions struct {
	// Full re-reads the whole root instead of what the watcher reported.
	Full bool
	// Barrier makes the scan a flush barrier: every change made under the root before
	// Scan was called is in the returned tree. A watching endpoint first waits until
	// its watcher has handled every earlier event; one that cannot tell scans fully.
	Barrier bool
}

// ScanResult is the outcome of a scan.
type ScanResult struct {
	Root *tree.Entry
	// Watch describes how changes are detected ("watching", "polling every 10s", ...).
	Watch string
	// WatchProblem describes a degradation of watching the user should know about.
	WatchProblem string
	// NoExecutability is set where the file system has no executable bit (Windows):
	// every file scans as not executable, and the session takes the bit from the
	// ancestor or the other side instead.
	NoExecutability bool
	// FileSystem is what the root's file system can do, as probed (nil when the root
	// could not be probed yet: missing, or not writable).
	FileSystem *FileSystem
	// Changing is set when files were being written while the scan read them: they
	// are in the tree as untracked entries, and a scan soon should read them again.
	Changing bool
	// RootID identifies the root directory itself (its inode and birth time, where the
	// system has them), "" when the root is missing or the endpoint cannot tell: a
	// root replaced by another folder under the same path has another RootID.
	RootID string
}

// StageFile is a file whose contents a transition will need.
type StageFile struct {
	Path   string
	Digest tree.Digest
	Size   int64
}

// Needed is content that must come from the other side.
type Needed struct {
	// Path names the file on both sides: its source on the supplying side, and the
	// base for a delta (if Signature is set) on the receiving side.
	Path   string
	Digest tree.Digest
	Size   int64
	// Signature describes the receiving side's current file at Path, or is nil.
	Signature *delta.Signature
}

// Receiver accepts file contents for a receiving endpoint's staging area.
//
// Calls come from one goroutine: Begin, then Op for each delta op, then End, for one
// needed file after another (or Skip instead). Close ends the transfer.
type Receiver interface {
	// Begin starts the contents of needed[i] from the last Stage call.
	Begin(i int) error
	// Op applies one delta op to the file begun last.
	Op(op delta.Op) error
	// End finishes the file; content whose digest does not match is discarded and
	// reported by Close.
	End() error
	// Skip reports that needed[i] could not be supplied.
	Skip(i int, reason string) error
	// Close finishes the transfer and reports the files that were not staged.
	Close() ([]Problem, error)
}

// Problem is a path the endpoint could not handle, and why.
type Problem struct {
	Path  string
	Error string
}

// Errors of the endpoint boundary.
var (
	// ErrClosed is returned by calls on an endpoint that was closed.
	ErrClosed = errors.New("endpoint closed")
	// ErrNoStage is returned by Receiver when no Stage call preceded it.
	ErrNoStage = errors.New("no staging in progress")
	// ErrTooLarge is returned by ReadFile for a file above the limit.
	ErrTooLarge = errors.New("file too large")
)

// PathsByDigest lists, for each file content the changes create, the paths that get it.
func PathsByDigest(changes []tree.Change) map[tree.Digest][]string {
	out := map[tree.Digest][]string{}
	for _, c := range changes {
		if c.From != "" {
			continue
		}
		tree.Walk(c.New, c.Path, func(p string, e *tree.Entry) bool {
			if e.Kind == tree.File {
				out[e.Digest] = append(out[e.Digest], p)
			}
			return true
		})
	}
	return out
}
