package session

import "fmt"

// Level is the severity of a log line.
type Level uint8

// The log levels, from most to least severe.
const (
	LevelError Level = iota + 1
	LevelWarn
	LevelInfo
	LevelDebug
)

func (l Level) String() string {
	switch l {
	case LevelError:
		return "error"
	case LevelWarn:
		return "warn"
	case LevelInfo:
		return "info"
	}
	return "debug"
}

// ParseLevel returns the named level; "" means none (0).
func ParseLevel(s string) (Level, error) {
	for l := LevelError; l <= LevelDebug; l++ {
		if l.String() == s {
			return l, nil
		}
	}
	if s == "" {
		return 0, nil
	}
	return 0, fmt.Errorf("unknown log level %q: use error, warn, info or debug", s)
}

// Logger receives what sessions log. It must not block.
type Logger func(level Level, session, msg string)

func (m *Manager) logf(level Level, session, format string, args ...any) {
	if m.log != nil {
		m.log(level, session, fmt.Sprintf(format, args...))
	}
}

func (c *controller) logf(level Level, format string, args ...any) {
	c.m.logf(level, c.state.Spec.ID, "%s: "+format, append([]any{c.label()}, args...)...)
}
