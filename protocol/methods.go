package protocol

// Request is a method a client calls on the server: its name on the wire, and the
// types of its params (P) and result (R). Every request is declared once, below; the
// server's dispatcher, the Go client, the TypeScript types and docs/api.md are derived
// from these declarations.
type Request[P, R any] struct{ Method string }

// Notification is a method the server sends to clients without a reply.
type Notification[P any] struct{ Method string }

// ServerRequest is a method the server calls on a client, which answers it (prompts).
type ServerRequest[P, R any] struct{ Method string }

// None is the params or result of a method that has none: null on the wire.
type None struct{}

// MarshalJSON implements json.Marshaler: None is null.
func (None) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// UnmarshalJSON implements json.Unmarshaler: anything reads as None.
func (*None) UnmarshalJSON([]byte) error { return nil }

// The requests.
var (
	Initialize     = Request[InitializeParams, InitializeResult]{MethodInitialize}
	SyncCreate     = Request[SyncCreateParams, SyncCreateResult]{MethodSyncCreate}
	SyncList       = Request[SyncListParams, SyncListResult]{MethodSyncList}
	SyncPause      = Request[Selection, None]{MethodSyncPause}
	SyncResume     = Request[Selection, None]{MethodSyncResume}
	SyncFlush      = Request[SyncFlushParams, None]{MethodSyncFlush}
	SyncReset      = Request[Selection, None]{MethodSyncReset}
	SyncTerminate  = Request[Selection, None]{MethodSyncTerminate}
	SyncConflicts  = Request[Selection, SyncConflictsResult]{MethodSyncConflicts}
	SyncReadFile   = Request[SyncReadFileParams, SyncReadFileResult]{MethodSyncReadFile}
	SyncResolve    = Request[SyncResolveParams, SyncResolveResult]{MethodSyncResolve}
	SyncTrash      = Request[SyncTrashParams, SyncTrashResult]{MethodSyncTrash}
	SyncRestore    = Request[SyncRestoreParams, SyncRestoreResult]{MethodSyncRestore}
	DaemonVersion  = Request[None, VersionResult]{MethodDaemonVersion}
	DaemonShutdown = Request[DaemonShutdownParams, None]{MethodDaemonShutdown}

	ForwardCreate    = Request[ForwardCreateParams, ForwardCreateResult]{MethodForwardCreate}
	ForwardList      = Request[ForwardListParams, ForwardListResult]{MethodForwardList}
	ForwardPause     = Request[Selection, None]{MethodForwardPause}
	ForwardResume    = Request[Selection, None]{MethodForwardResume}
	ForwardTerminate = Request[Selection, None]{MethodForwardTerminate}
	RemotePorts      = Request[RemotePortsParams, RemotePortsResult]{MethodRemotePorts}
)

// The notifications.
var (
	OnSyncState      = Notification[SyncSession]{NotifySyncState}
	OnForwardState   = Notification[ForwardSession]{NotifyForwardState}
	OnDaemonStopping = Notification[DaemonStopping]{NotifyDaemonStopping}
	OnLog            = Notification[LogMessage]{NotifyLog}
)

// The server's requests to clients.
var (
	AskHostKey = ServerRequest[HostKeyPrompt, HostKeyAnswer]{RequestHostKey}
	AskSecret  = ServerRequest[SecretPrompt, SecretAnswer]{RequestSecret}
)
