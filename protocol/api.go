package protocol

// ProtocolVersion is the version of the JSON-RPC API. Clients send the version they
// speak in initialize; the server refuses a client whose major version differs.
const ProtocolVersion = 1

// Methods a client calls on the server (requests).
const (
	// MethodInitialize must be the first request on a connection.
	MethodInitialize = "initialize"
	// MethodSyncCreate creates a sync session and connects both sides.
	MethodSyncCreate = "sync/create"
	// MethodSyncList lists sync sessions (all of them for an empty selection).
	MethodSyncList = "sync/list"
	// MethodSyncPause pauses sessions; they stay paused across daemon restarts.
	MethodSyncPause = "sync/pause"
	// MethodSyncResume resumes paused sessions.
	MethodSyncResume = "sync/resume"
	// MethodSyncFlush runs a cycle and, unless skipWait, returns when it has completed.
	MethodSyncFlush = "sync/flush"
	// MethodSyncReset forgets the sessions' synchronization history (their ancestor):
	// the next cycle merges both sides as a first one does.
	MethodSyncReset = "sync/reset"
	// MethodSyncTerminate stops sessions and deletes their state; files stay.
	MethodSyncTerminate = "sync/terminate"
	// MethodSyncConflicts returns every conflict of the selected sessions (state
	// notifications carry at most 100 per session).
	MethodSyncConflicts = "sync/conflicts"
	// MethodSyncReadFile reads a file on one side of a session, for instance to show both
	// versions of a conflicting file. Files above 16 MiB are refused.
	MethodSyncReadFile = "sync/readFile"
	// MethodSyncResolve resolves conflicts of one session by keeping one side's version
	// (the other side's is replaced, through the same checks as any change). It returns
	// when the resolving cycle has completed.
	MethodSyncResolve = "sync/resolve"
	// MethodSyncTrash lists what synchronization removed or overwrote and kept, on
	// one or both sides of a session, newest first.
	MethodSyncTrash = "sync/trash"
	// MethodSyncRestore copies a trash item back under its side's root (never over an
	// existing file); the next cycle propagates it.
	MethodSyncRestore = "sync/restore"
	// MethodDaemonVersion reports the daemon's version.
	MethodDaemonVersion = "daemon/version"
	// MethodDaemonShutdown stops the daemon after replying; sessions resume when it
	// next starts. It is served before initialize too; its params may be omitted.
	MethodDaemonShutdown = "daemon/shutdown"
)

// Notifications the server sends to clients that have initialized.
const (
	// NotifySyncState carries the full state of a sync session whenever it changes
	// (status, progress, counts, conflicts, problems, last error). A session that was
	// terminated is sent once more with terminated set.
	NotifySyncState = "sync/state"
	// NotifyDaemonStopping is sent to every client just before the daemon stops on
	// purpose (daemon/shutdown, "ferry daemon stop", a restart for an upgrade), so a
	// client can tell a deliberate stop from a crash.
	NotifyDaemonStopping = "daemon/stopping"
)

// Reasons in DaemonStopping.
const (
	// StopRequested: a client asked the daemon to stop (daemon/shutdown).
	StopRequested = "requested"
	// StopUpgrade: a client of another version restarts the idle daemon.
	StopUpgrade = "upgrade"
	// StopSignal: the daemon received SIGINT or SIGTERM.
	StopSignal = "signal"
)

// DaemonStopping says why the daemon is stopping.
type DaemonStopping struct {
	// Reason is requested, upgrade or signal.
	Reason string `json:"reason"`
	// Client names the client that asked, when one did.
	Client string `json:"client,omitempty"`
}

// InitializeParams opens a conversation.
type InitializeParams struct {
	// ClientName identifies the client in logs ("ferry-cli", "vscode", ...).
	ClientName string `json:"clientName"`
	// ClientVersion is the client's own version.
	ClientVersion string `json:"clientVersion,omitempty"`
	// ProtocolVersion is the API version the client speaks (ProtocolVersion).
	ProtocolVersion int `json:"protocolVersion"`
	// Quiet asks the server not to send state notifications to this client.
	Quiet bool `json:"quiet,omitempty"`
	// Prompts says the client can answer prompt/hostKey and prompt/secret requests
	// (show them to a person). Without it, operations that need an answer fail with a
	// message saying how to proceed.
	Prompts bool `json:"prompts,omitempty"`
	// LogLevel asks for log notifications at this level and above: "error", "warn",
	// "info" or "debug"; "" sends none.
	LogLevel string `json:"logLevel,omitempty"`
}

// InitializeResult describes the server.
type InitializeResult struct {
	// Version is the daemon's release.
	Version string `json:"version"`
	// ProtocolVersion is the API version the server speaks.
	ProtocolVersion int `json:"protocolVersion"`
	// Sessions is the state of every sync session when the client connected, so a
	// client can render at once and then follow notifications.
	Sessions []SyncSession `json:"sessions"`
}

// Selection chooses sessions. Exactly one of its forms may be used, except in
// sync/list and sync/conflicts where an empty selection means every session.
type Selection struct {
	// Sessions are session names or identifiers.
	Sessions []string `json:"sessions,omitempty"`
	// LabelSelector selects by labels: comma-separated requirements, all of which must
	// hold: key=value, key!=value, key in (v1,v2), key notin (v1,v2), key or !key.
	// key!=value and key notin (...) also hold for a session without the label.
	LabelSelector string `json:"labelSelector,omitempty"`
	// All selects every session.
	All bool `json:"all,omitempty"`
}

// SyncConfig configures a sync session. Empty fields take their defaults.
type SyncConfig struct {
	// Mode is two-way-safe (default), two-way-resolved, one-way-safe or one-way-replica.
	Mode string `json:"mode,omitempty"`
	// Ignores are patterns in gitignore syntax.
	Ignores []string `json:"ignores,omitempty"`
	// IgnoreVCS also ignores version-control directories (.git, .hg, .svn, ...).
	IgnoreVCS bool `json:"ignoreVCS,omitempty"`
	// GitIgnore applies the .gitignore files in the tree (each at its own directory)
	// and .git/info/exclude, as git decides. What they exclude is left alone on both
	// sides, so rules that change never delete anything. A .ferryignore at the root
	// applies with or without it.
	GitIgnore bool `json:"gitignore,omitempty"`
	// SymlinkMode is portable (default), ignore or posix-raw.
	SymlinkMode string `json:"symlinkMode,omitempty"`
	// WatchMode is portable (default: native watching), force-poll or no-watch.
	WatchMode string `json:"watchMode,omitempty"`
	// PollIntervalSeconds is the polling period when polling (default 10).
	PollIntervalSeconds float64 `json:"pollIntervalSeconds,omitempty"`
	// MaxEntries bounds the number of entries of a root (0: no limit).
	MaxEntries uint64 `json:"maxEntries,omitempty"`
	// MaxFileSize bounds the size in bytes of a file that is synchronized (0: no limit).
	MaxFileSize int64 `json:"maxFileSize,omitempty"`
	// PermissionsMode is portable (default: the executable bit is synchronized) or
	// manual (no permission bits are; new files and directories get the default modes
	// and replaced files keep theirs).
	PermissionsMode string `json:"permissionsMode,omitempty"`
	// DefaultFileMode and DefaultDirectoryMode are the octal modes of the files
	// (default "0644", plus executable bits in the portable mode) and directories
	// (default "0755") that sync creates.
	DefaultFileMode      string `json:"defaultFileMode,omitempty"`
	DefaultDirectoryMode string `json:"defaultDirectoryMode,omitempty"`
	// DefaultOwner and DefaultGroup own what sync creates or replaces, on each side:
	// user and group names or numeric ids that exist there (default: the user ferry
	// runs as there).
	DefaultOwner string `json:"defaultOwner,omitempty"`
	DefaultGroup string `json:"defaultGroup,omitempty"`
	// Alpha and Beta override, for one side, the settings where sides differ (a
	// polling network share against a watched disk, another owner on the server).
	Alpha *SideConfig `json:"alpha,omitempty"`
	Beta  *SideConfig `json:"beta,omitempty"`
}

// SideConfig holds one side's own settings; each empty field takes the session's.
type SideConfig struct {
	// WatchMode is portable, force-poll or no-watch.
	WatchMode string `json:"watchMode,omitempty"`
	// PollIntervalSeconds is the polling period when polling.
	PollIntervalSeconds float64 `json:"pollIntervalSeconds,omitempty"`
	// DefaultFileMode, DefaultDirectoryMode, DefaultOwner and DefaultGroup are what
	// sync creates with on this side (see SyncConfig).
	DefaultFileMode      string `json:"defaultFileMode,omitempty"`
	DefaultDirectoryMode string `json:"defaultDirectoryMode,omitempty"`
	DefaultOwner         string `json:"defaultOwner,omitempty"`
	DefaultGroup         string `json:"defaultGroup,omitempty"`
}

// SyncCreateParams describes a new sync session.
type SyncCreateParams struct {
	// Name is optional; it starts with a letter and holds letters, digits and '-'.
	Name string `json:"name,omitempty"`
	// Labels are key=value pairs for selection.
	Labels map[string]string `json:"labels,omitempty"`
	// Alpha and Beta are endpoint URLs: an absolute local path,
	// [user@]host[:port]:path for an SSH host, or docker://[user@]container/path
	// (podman:// too) for a container.
	Alpha string `json:"alpha"`
	Beta  string `json:"beta"`
	// Config is the session's configuration.
	Config SyncConfig `json:"config"`
	// Paused creates the session without starting it.
	Paused bool `json:"paused,omitempty"`
	// Force creates the session even when it would sync files another session syncs
	// between the same places: the same two folders, or two folders each of which is,
	// contains or lies inside one of that session's (otherwise CodeOverlap). Local
	// folders compare with symbolic links resolved, remote ones by host and path as
	// written. A folder, or a folder inside it, synchronized with several others
	// (fan-out) is not an overlap.
	Force bool `json:"force,omitempty"`
}

// SyncCreateResult is the created session.
type SyncCreateResult struct {
	Session SyncSession `json:"session"`
}

// SyncListParams selects the sessions to list.
type SyncListParams struct {
	Selection
}

// SyncListResult lists sessions in creation order.
type SyncListResult struct {
	Sessions []SyncSession `json:"sessions"`
}

// SyncFlushParams selects the sessions to flush.
type SyncFlushParams struct {
	Selection
	// SkipWait returns as soon as the cycles are requested.
	SkipWait bool `json:"skipWait,omitempty"`
	// AllowDeletions lets the cycle propagate a mass deletion that halted the session
	// (status halted-mass-deletion).
	AllowDeletions bool `json:"allowDeletions,omitempty"`
}

// SyncConflictsResult lists every conflict of each selected session.
type SyncConflictsResult struct {
	Sessions []SessionConflicts `json:"sessions"`
}

// SessionConflicts are the conflicts of one session.
type SessionConflicts struct {
	ID        string     `json:"id"`
	Name      string     `json:"name,omitempty"`
	Conflicts []Conflict `json:"conflicts"`
}

// Status values of a sync session, in the order of a cycle, then the resting and
// halted ones.
const (
	StatusDisconnected     = "disconnected"
	StatusConnectingAlpha  = "connecting-alpha"
	StatusConnectingBeta   = "connecting-beta"
	StatusWatching         = "watching"
	StatusScanning         = "scanning"
	StatusWaitingForRescan = "waiting-for-rescan"
	StatusReconciling      = "reconciling"
	StatusStagingAlpha     = "staging-alpha"
	StatusStagingBeta      = "staging-beta"
	StatusTransitioning    = "transitioning"
	StatusSaving           = "saving"
	StatusPaused           = "paused"
	// Safety halts: the session stops propagating until the cause is gone or it is reset.
	StatusHaltedRootDeleted    = "halted-root-deleted"
	StatusHaltedRootEmptied    = "halted-root-emptied"
	StatusHaltedRootTypeChange = "halted-root-type-changed"
	StatusHaltedMassDeletion   = "halted-mass-deletion"
	StatusHaltedReplicaChanged = "halted-replica-changed"
	// StatusHaltedTooManyEntries: a root holds more entries than the session's
	// maxEntries allows; lastError says how many and what to do.
	StatusHaltedTooManyEntries = "halted-too-many-entries"
)

// Endpoint connection states (EndpointState.Status).
const (
	// EndpointConnecting: ferry is opening the side (dialing, starting the agent).
	EndpointConnecting = "connecting"
	// EndpointConnected: the side is open and usable.
	EndpointConnected = "connected"
	// EndpointDisconnected: the side was lost or could not be opened; ferry retries by
	// itself with backoff (the session's lastError says why).
	EndpointDisconnected = "disconnected"
	// EndpointPaused: the session is paused, so the side is closed on purpose.
	EndpointPaused = "paused"
)

// SyncSession is the full state of a sync session.
type SyncSession struct {
	// Seq orders the states of one session: it grows with every state the daemon
	// publishes for it (and continues across list results and notifications), so a
	// client keeps the state with the highest Seq and drops older ones that arrive late.
	Seq uint64 `json:"seq"`
	// ID is the session's identifier ("sync_" and 22 base62 characters).
	ID string `json:"id"`
	// Name is the session's name, if it has one.
	Name string `json:"name,omitempty"`
	// Labels are the session's labels.
	Labels map[string]string `json:"labels,omitempty"`
	// Alpha and Beta are the two sides.
	Alpha EndpointState `json:"alpha"`
	Beta  EndpointState `json:"beta"`
	// Config is the session's configuration with defaults filled in.
	Config SyncConfig `json:"config"`
	// Paused is set for a paused session.
	Paused bool `json:"paused"`
	// CreatedAt is when the session was created (RFC 3339).
	CreatedAt string `json:"createdAt"`
	// Status is where the session is (see the Status constants).
	Status string `json:"status"`
	// Conflicts are the current conflicts (at most 100); ConflictCount counts all.
	Conflicts     []Conflict `json:"conflicts"`
	ConflictCount int        `json:"conflictCount"`
	// Staging is set while file contents are being staged.
	Staging *StagingProgress `json:"staging,omitempty"`
	// LastError is the latest error; it is cleared by a successful cycle.
	LastError string `json:"lastError,omitempty"`
	// Cycles counts completed synchronization cycles.
	Cycles uint64 `json:"cycles"`
	// LastCycle is when the last cycle completed (RFC 3339), if any.
	LastCycle string `json:"lastCycle,omitempty"`
	// Terminated is set in the last notification of a terminated session.
	Terminated bool `json:"terminated,omitempty"`
}

// EndpointState describes one side of a sync session.
type EndpointState struct {
	// URL is the endpoint as given at creation (local paths absolute).
	URL string `json:"url"`
	// Status is connecting, connected, disconnected or paused (the Endpoint constants).
	Status string `json:"status"`
	// Connected is set while the side is open (Status connected).
	Connected bool `json:"connected"`
	// Scanned is set once a scan of the side has completed; the counts below are valid.
	Scanned bool `json:"scanned"`
	// Directories, Files and Symlinks count the synchronized entries of the side.
	Directories uint64 `json:"directories"`
	Files       uint64 `json:"files"`
	Symlinks    uint64 `json:"symlinks"`
	// TotalFileSize is the sum of the file sizes in bytes.
	TotalFileSize uint64 `json:"totalFileSize"`
	// Watch says how changes are detected ("watching", "polling every 10s", ...).
	Watch string `json:"watch,omitempty"`
	// WatchProblem reports a degradation of change detection.
	WatchProblem string `json:"watchProblem,omitempty"`
	// FileSystem is what the side's file system can do, as probed when the side was
	// first seen (absent until then).
	FileSystem *FileSystemInfo `json:"fileSystem,omitempty"`
	// Problems are paths that are not synchronized on this side, and why (at most
	// 100); ProblemCount counts all.
	Problems     []Problem `json:"problems"`
	ProblemCount int       `json:"problemCount"`
}

// FileSystemInfo is what a side's file system can do, probed by trying it.
type FileSystemInfo struct {
	// CaseInsensitive: names that differ only in case are one name (README.md and
	// Readme.md cannot both exist); ferry reports such pairs instead of syncing them.
	CaseInsensitive bool `json:"caseInsensitive"`
	// UnicodeInsensitive: the NFC and NFD spellings of a name are one name.
	UnicodeInsensitive bool `json:"unicodeInsensitive"`
	// NormalizesNames: names are stored in another Unicode form than given.
	NormalizesNames bool `json:"normalizesNames"`
	// ExecutableBits: files keep their executable bit (else it is taken from the other
	// side).
	ExecutableBits bool `json:"executableBits"`
	// Symlinks: symbolic links can be created.
	Symlinks bool `json:"symlinks"`
	// NoReplaceRename: renames can refuse to replace; without it (and without hard
	// links) new files claim their name with an exclusive create first.
	NoReplaceRename bool `json:"noReplaceRename"`
	// HardLinks: files can have several names.
	HardLinks bool `json:"hardLinks"`
	// Summary says in words what differs from a POSIX file system ("" for nothing).
	Summary string `json:"summary,omitempty"`
}

// Problem is a path that could not be synchronized.
type Problem struct {
	// Path is relative to the root, with '/' separators.
	Path string `json:"path"`
	// Error says what went wrong.
	Error string `json:"error"`
}

// Conflict is a path changed on both sides that the session's mode will not resolve.
type Conflict struct {
	// Path is relative to the root, with '/' separators ("" for the root).
	Path string `json:"path"`
	// Ancestor is what both sides last agreed on; Alpha and Beta are what each holds.
	Ancestor EntrySummary `json:"ancestor"`
	Alpha    EntrySummary `json:"alpha"`
	Beta     EntrySummary `json:"beta"`
}

// Entry kinds in an EntrySummary.
const (
	KindAbsent    = "absent"
	KindDirectory = "directory"
	KindFile      = "file"
	KindSymlink   = "symlink"
	KindUntracked = "untracked"
)

// EntrySummary describes what a side holds at a path.
type EntrySummary struct {
	// Kind is absent, directory, file, symlink or untracked.
	Kind string `json:"kind"`
	// Size and Digest (hex XXH3-128) describe a file; Executable its executable bit.
	Size       int64  `json:"size,omitempty"`
	Digest     string `json:"digest,omitempty"`
	Executable bool   `json:"executable,omitempty"`
	// Target is a symbolic link's target.
	Target string `json:"target,omitempty"`
	// Entries counts the entries inside a directory.
	Entries int `json:"entries,omitempty"`
}

// StagingProgress describes file contents being staged.
type StagingProgress struct {
	// Side is the side receiving contents, "alpha" or "beta".
	Side string `json:"side"`
	// FilesDone of FilesTotal files, BytesDone of BytesTotal bytes have been staged.
	FilesDone  uint64 `json:"filesDone"`
	FilesTotal uint64 `json:"filesTotal"`
	BytesDone  uint64 `json:"bytesDone"`
	BytesTotal uint64 `json:"bytesTotal"`
	// Rate is the transfer rate in bytes per second.
	Rate float64 `json:"rate"`
	// Path is the file being received.
	Path string `json:"path,omitempty"`
}

// Sides of a sync session.
const (
	SideAlpha = "alpha"
	SideBeta  = "beta"
)

// SyncReadFileParams names a file on one side of a session.
type SyncReadFileParams struct {
	// Session is the session's name or identifier.
	Session string `json:"session"`
	// Side is "alpha" or "beta".
	Side string `json:"side"`
	// Path is relative to the root, with '/' separators.
	Path string `json:"path"`
}

// SyncReadFileResult is a file's contents.
type SyncReadFileResult struct {
	// Data is the contents, base64-encoded.
	Data string `json:"data"`
	// Size is the length of the contents in bytes.
	Size int64 `json:"size"`
	// Digest is the hex XXH3-128 of the contents.
	Digest string `json:"digest"`
}

// SyncResolveParams resolves conflicts of one session.
type SyncResolveParams struct {
	// Session is the session's name or identifier.
	Session string `json:"session"`
	// Paths are the conflicts to resolve (their paths); empty resolves all of them.
	Paths []string `json:"paths,omitempty"`
	// Keep is the side whose version wins: "alpha" or "beta".
	Keep string `json:"keep"`
}

// SyncResolveResult reports a resolution.
type SyncResolveResult struct {
	// Resolved lists the paths now resolved; Failed the others, with why.
	Resolved []string  `json:"resolved"`
	Failed   []Problem `json:"failed"`
}

// SyncTrashParams names a session, and optionally one side.
type SyncTrashParams struct {
	// Session is the session's name or identifier.
	Session string `json:"session"`
	// Side is "alpha" or "beta"; empty lists both.
	Side string `json:"side,omitempty"`
}

// SyncTrashResult lists trash items.
type SyncTrashResult struct {
	Items []TrashItem `json:"items"`
}

// TrashItem is a file or link that a cycle removed or overwrote on one side, kept
// until the trash's limits (1 GiB and 7 days per side by default) drop it.
type TrashItem struct {
	// Side is where it was: "alpha" or "beta".
	Side string `json:"side"`
	// Batch identifies the cycle that removed it; Time is when (RFC 3339).
	Batch string `json:"batch"`
	Time  string `json:"time"`
	// Path is where it was under the root; Size its size in bytes.
	Path string `json:"path"`
	Size int64  `json:"size"`
	// Link is set for a symbolic link.
	Link bool `json:"link,omitempty"`
}

// SyncRestoreParams names a trash item and where to put it.
type SyncRestoreParams struct {
	Session string `json:"session"`
	Side    string `json:"side"`
	// Batch and Path name the item (from sync/trash); an empty Batch means the newest
	// item at Path.
	Batch string `json:"batch,omitempty"`
	Path  string `json:"path"`
	// To is where to restore it, relative to the root; empty means Path.
	To string `json:"to,omitempty"`
}

// SyncRestoreResult says where the item was restored.
type SyncRestoreResult struct {
	Path string `json:"path"`
}

// VersionResult describes the daemon.
type VersionResult struct {
	Version         string `json:"version"`
	ProtocolVersion int    `json:"protocolVersion"`
	// GoVersion, OS and Arch describe the daemon's build.
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}
