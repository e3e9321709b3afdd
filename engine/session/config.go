package session

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

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
	// Alpha and Beta override, for one side, the settings where sides differ (a
	// polling network share against a watched disk, another owner on the server).
	Alpha SideConfig `json:"alpha,omitzero"`
	Beta  SideConfig `json:"beta,omitzero"`
}

// SideConfig holds one side's own settings; each zero field takes the session's.
type SideConfig struct {
	// Watch is nil for the session's (a mode of its own may be the default one).
	Watch        *local.WatchMode `json:"watch,omitempty"`
	PollInterval time.Duration    `json:"pollInterval,omitempty"`
	// FileMode, DirMode, Owner and Group are what sync creates there with.
	FileMode fs.FileMode `json:"fileMode,omitempty"`
	DirMode  fs.FileMode `json:"dirMode,omitempty"`
	Owner    string      `json:"owner,omitempty"`
	Group    string      `json:"group,omitempty"`
}

// ForSide returns the configuration an endpoint of side ("alpha" or "beta") is
// opened with: the session's, with that side's own settings applied (and no side
// settings left).
func (c SyncConfig) ForSide(side string) SyncConfig {
	o := c.Alpha
	if side == "beta" {
		o = c.Beta
	}
	out := c
	out.Alpha, out.Beta = SideConfig{}, SideConfig{}
	if o.Watch != nil {
		out.Watch = *o.Watch
	}
	if o.PollInterval != 0 {
		out.PollInterval = o.PollInterval
	}
	if o.FileMode != 0 {
		out.Permissions.FileMode = o.FileMode
	}
	if o.DirMode != 0 {
		out.Permissions.DirMode = o.DirMode
	}
	if o.Owner != "" {
		out.Permissions.Owner = o.Owner
	}
	if o.Group != "" {
		out.Permissions.Group = o.Group
	}
	return out
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
	for _, side := range []string{"alpha", "beta"} {
		if err := c.ForSide(side).Config.Validate(); err != nil {
			if c.Alpha == (SideConfig{}) && c.Beta == (SideConfig{}) {
				return err
			}
			return fmt.Errorf("%s: %w", side, err)
		}
	}
	return nil
}
