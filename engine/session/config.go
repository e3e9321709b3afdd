package session

import (
	"errors"
	"fmt"

	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/engine/reconcile"
)

// SyncConfig configures a sync session. The zero value of each field means its default.
type SyncConfig struct {
	// Mode resolves disagreements; default two-way-safe.
	Mode reconcile.Mode `json:"mode,omitempty"`
	// Config is what each endpoint needs (ignores, symlinks, watching, limits, trash,
	// permissions); its fields appear at the top level in JSON.
	local.Config
	// MaxFileSize bounds the size of a file that is transferred; 0 means no limit.
	MaxFileSize int64 `json:"maxFileSize,omitempty"`
	// MaxDeletionShare halts a cycle that would delete more than this share of a
	// side's files (and at least massDeletionMin of them) until the deletion is
	// confirmed; 0 means the default 0.5, 1 or more never halts.
	MaxDeletionShare float64 `json:"maxDeletionShare,omitempty"`
}

// DefaultSyncConfig returns the configuration with every default filled in.
func DefaultSyncConfig() SyncConfig {
	return SyncConfig{Mode: reconcile.TwoWaySafe, Config: local.Config{PollInterval: local.DefaultPollInterval}, MaxDeletionShare: 0.5}
}

// withDefaults fills zero fields with their defaults.
func (c SyncConfig) withDefaults() SyncConfig {
	d := DefaultSyncConfig()
	if c.Mode == 0 {
		c.Mode = d.Mode
	}
	if c.PollInterval == 0 {
		c.PollInterval = d.PollInterval
	}
	if c.MaxDeletionShare == 0 {
		c.MaxDeletionShare = d.MaxDeletionShare
	}
	return c
}

// Validate checks the configuration.
func (c SyncConfig) Validate() error {
	c = c.withDefaults()
	if c.Mode < reconcile.TwoWaySafe || c.Mode > reconcile.OneWayReplica {
		return fmt.Errorf("invalid mode %d", c.Mode)
	}
	if c.MaxFileSize < 0 || c.MaxDeletionShare < 0 {
		return errors.New("sizes and shares in the configuration cannot be negative")
	}
	return c.Config.Validate()
}
