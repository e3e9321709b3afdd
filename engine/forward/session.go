package forward

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"

	"time"

	"github.com/ferrysync/ferry/engine/session"
)

// Spec is what identifies and configures a forward session; it is persisted.
type Spec struct {
	ID     string            `json:"id"`
	Name   string            `json:"name,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
	// Source is where connections are accepted, Destination where they go.
	Source      string `json:"source"`
	Destination string `json:"destination"`
	// SocketMode and SocketOverwrite configure a unix listener.
	SocketMode      fs.FileMode `json:"socketMode,omitempty"`
	SocketOverwrite bool        `json:"socketOverwrite,omitempty"`
	Paused          bool        `json:"paused,omitempty"`
	CreatedAt       time.Time   `json:"createdAt"`
}

// Status is where a forward session is.
type Status string

// The statuses of a forward session.
const (
	StatusDisconnected          Status = "disconnected"
	StatusConnectingSource      Status = "connecting-source"
	StatusConnectingDestination Status = "connecting-destination"
	StatusForwarding            Status = "forwarding"
	StatusPaused                Status = "paused"
)

// State is the observable state of a forward session.
type State struct {
	Spec   Spec
	Status Status
	// SourceConnected and DestinationConnected say whether each side is reachable.
	SourceConnected, DestinationConnected bool
	// Open connections now; Total accepted; Failed could not reach the destination.
	Open, Total, Failed uint64
	// BytesOut went from source to destination, BytesIn back.
	BytesOut, BytesIn uint64
	LastError         string
	Terminated        bool
}

func (s State) clone() State {
	s.Spec.Labels = cloneLabels(s.Spec.Labels)
	return s
}

func cloneLabels(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

const specFile = "session.json"

func saveSpec(dir string, spec Spec) error {
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return session.WriteFileAtomic(filepath.Join(dir, specFile), data, 0o600)
}

func loadSpec(dir string) (Spec, error) {
	var spec Spec
	data, err := os.ReadFile(filepath.Join(dir, specFile))
	if err != nil {
		return spec, err
	}
	return spec, json.Unmarshal(data, &spec)
}
