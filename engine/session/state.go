package session

import (
	"time"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/reconcile"
	"github.com/ferrysync/ferry/engine/tree"
)

// Status is where a session is in its life and its cycle.
type Status string

// The statuses, in the order of a cycle, then the resting and halted ones.
const (
	StatusDisconnected     Status = "disconnected"
	StatusConnectingAlpha  Status = "connecting-alpha"
	StatusConnectingBeta   Status = "connecting-beta"
	StatusWatching         Status = "watching"
	StatusScanning         Status = "scanning"
	StatusWaitingForRescan Status = "waiting-for-rescan"
	StatusReconciling      Status = "reconciling"
	StatusStagingAlpha     Status = "staging-alpha"
	StatusStagingBeta      Status = "staging-beta"
	StatusTransitioning    Status = "transitioning"
	StatusSaving           Status = "saving"
	StatusPaused           Status = "paused"
	// The safety halts: the session stops propagating until the cause goes away or the
	// session is reset.
	StatusHaltedRootDeleted    Status = "halted-root-deleted"
	StatusHaltedRootEmptied    Status = "halted-root-emptied"
	StatusHaltedRootTypeChange Status = "halted-root-type-changed"
	StatusHaltedMassDeletion   Status = "halted-mass-deletion"
	StatusHaltedReplicaChanged Status = "halted-replica-changed"
	StatusHaltedTooManyEntries Status = "halted-too-many-entries"
)

// Link is the state of a session's connection to one side.
type Link string

// The link states.
const (
	LinkConnecting   Link = "connecting"
	LinkConnected    Link = "connected"
	LinkDisconnected Link = "disconnected" // lost or unreachable; retried with backoff
	LinkPaused       Link = "paused"       // closed on purpose: the session is paused
)

// side returns alpha's (0) or beta's (1) state.
func (s *State) side(i int) *EndpointState {
	if i == 0 {
		return &s.Alpha
	}
	return &s.Beta
}

// Halted reports whether s is a safety halt.
func (s Status) Halted() bool {
	switch s {
	case StatusHaltedRootDeleted, StatusHaltedRootEmptied, StatusHaltedRootTypeChange,
		StatusHaltedMassDeletion, StatusHaltedReplicaChanged, StatusHaltedTooManyEntries:
		return true
	}
	return false
}

// maxListed bounds the conflicts and problems carried in a published state; the
// complete conflict list is available from Manager.Conflicts.
const maxListed = 100

// EndpointState describes one side of a session.
type EndpointState struct {
	URL  string
	Link Link
	// Scanned is set once a scan of this side has completed.
	Scanned bool
	Counts  tree.Counts
	// Watch says how changes are detected; WatchProblem reports a degradation.
	Watch, WatchProblem string
	// FileSystem is what the side's file system can do, once probed.
	FileSystem *endpoint.FileSystem
	// Problems are paths on this side that are not synchronized (at most maxListed),
	// and ProblemCount how many there are in all.
	Problems     []endpoint.Problem
	ProblemCount int
}

// Progress describes content being staged.
type Progress struct {
	// Side is the side receiving content, "alpha" or "beta".
	Side                  string
	FilesDone, FilesTotal uint64
	BytesDone, BytesTotal uint64
	// Rate is the transfer rate in bytes per second.
	Rate float64
	// Path is the file being received.
	Path string
}

// State is the observable state of a sync session.
type State struct {
	// Seq orders published states: it grows with every one (see protocol.SyncSession).
	Seq    uint64
	Spec   Spec
	Status Status
	Alpha  EndpointState
	Beta   EndpointState
	// Conflicts are the current conflicts (at most maxListed); ConflictCount counts all.
	Conflicts     []reconcile.Conflict
	ConflictCount int
	// Staging is set while contents are staged.
	Staging *Progress
	// LastError is the most recent error, cleared by a successful cycle.
	LastError string
	// Cycles counts completed cycles; LastCycle is when the last one completed.
	Cycles    uint64
	LastCycle time.Time
	// Terminated is set in the final state of a terminated session.
	Terminated bool
}
