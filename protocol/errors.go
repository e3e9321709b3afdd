package protocol

// Error codes of JSON-RPC error responses. The standard ones come from JSON-RPC 2.0;
// the others are ferry's, stable across releases. Every error message says what
// happened and what to do.
const (
	// CodeParseError: the message was not valid JSON.
	CodeParseError = -32700
	// CodeInvalidRequest: the message was JSON but not a valid request.
	CodeInvalidRequest = -32600
	// CodeMethodNotFound: no such method.
	CodeMethodNotFound = -32601
	// CodeInvalidParams: the parameters do not fit the method.
	CodeInvalidParams = -32602
	// CodeInternal: a bug in ferry; the message says what failed.
	CodeInternal = -32603

	// CodeNotInitialized: a request came before initialize.
	CodeNotInitialized = -32002
	// CodeNotFound: no session matches the selection.
	CodeNotFound = -32010
	// CodeExists: a session with that name exists.
	CodeExists = -32011
	// CodeInvalidArgument: a value in the request is invalid (name, mode, URL, ...).
	CodeInvalidArgument = -32012
	// CodePaused: the operation needs a running session.
	CodePaused = -32013
	// CodeFailed: the operation was valid but failed (unreachable host, cycle error).
	CodeFailed = -32014
	// CodeShuttingDown: the daemon is stopping: requests that arrive meanwhile, and
	// those that were running, get this code; send them again once it has restarted.
	CodeShuttingDown = -32015
	// CodeVersionMismatch: the client speaks another protocol version.
	CodeVersionMismatch = -32016
	// CodeHalted: the session is halted by a safety check (its status is one of the
	// halted-* ones); the message says why and what to do.
	CodeHalted = -32017
	// CodeBusy: the daemon was asked to stop only if idle (daemon/shutdown with ifIdle)
	// and is not: the message says who or what uses it.
	CodeBusy = -32018
	// CodePermissionDenied: the connection comes from another user than the daemon's;
	// the server sends this error (with a null id) and closes the connection.
	CodePermissionDenied = -32019
	// CodeOverlap: sync/create was asked for the same two folders as another sync
	// session, or for two folders each of which is, contains or lies inside one of
	// another session's; the message names the session. Send the request again with
	// force set to create the session anyway.
	CodeOverlap = -32020
)
