package forward

import (
	"io/fs"
	"maps"
	"time"

	"github.com/ferrysync/ferry/engine/registry"
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
	// Seq grows with every state published for the forward (Subscribe delivers them in
	// that order); a snapshot carries the latest.
	Seq    uint64
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
	s.Spec.Labels = maps.Clone(s.Spec.Labels)
	return s
}

func saveSpec(dir string, spec Spec) error { return registry.SaveSpec(dir, spec) }

func loadSpec(dir string) (Spec, error) { return registry.LoadSpec[Spec](dir) }
