package protocol

// NotifyLog carries a daemon log line to clients that asked for logs in initialize.
const NotifyLog = "log"

// Log levels, from most to least severe.
const (
	LogError = "error"
	LogWarn  = "warn"
	LogInfo  = "info"
	LogDebug = "debug"
)

// LogMessage is one log line.
type LogMessage struct {
	// Level is error, warn, info or debug.
	Level string `json:"level"`
	// Message is the text.
	Message string `json:"message"`
	// Session is the identifier of the session the line is about, if any.
	Session string `json:"session,omitempty"`
	// Time is when it happened (RFC 3339).
	Time string `json:"time"`
}
