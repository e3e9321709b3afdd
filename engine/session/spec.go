package session

import (
	"time"
)

// Spec is what identifies and configures a sync session; it is persisted.
type Spec struct {
	ID     string            `json:"id"`
	Name   string            `json:"name,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
	// Alpha and Beta are the endpoint URLs as given (local paths made absolute).
	Alpha string `json:"alpha"`
	Beta  string `json:"beta"`
	// Config is the session's configuration.
	Config SyncConfig `json:"config"`
	// Paused sessions do not run until resumed.
	Paused    bool      `json:"paused,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// url returns the URL of a side ("alpha" or "beta").
func (s Spec) url(side string) string {
	if side == "beta" {
		return s.Beta
	}
	return s.Alpha
}

// label names the session in messages: its name, else its identifier.
func (s Spec) label() string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}
