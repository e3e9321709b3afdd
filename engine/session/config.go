package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/ferrysync/ferry/engine/ignore"
	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/engine/reconcile"
	"github.com/ferrysync/ferry/engine/scan"
)

// SyncConfig configures a sync session. The zero value of each field means its default.
type SyncConfig struct {
	// Mode resolves disagreements; default two-way-safe.
	Mode reconcile.Mode `json:"mode,omitempty"`
	// Ignores are gitignore-syntax patterns excluded from synchronization.
	Ignores []string `json:"ignores,omitempty"`
	// IgnoreVCS also excludes version-control directories (.git, .hg, ...).
	IgnoreVCS bool `json:"ignoreVCS,omitempty"`
	// Symlinks says how symbolic links are treated; default portable.
	Symlinks scan.SymlinkMode `json:"symlinks,omitempty"`
	// Watch says how changes are detected; default portable (native watching).
	Watch local.WatchMode `json:"watch,omitempty"`
	// PollInterval is the polling period when polling; default 10s.
	PollInterval time.Duration `json:"pollInterval,omitempty"`
	// MaxEntries bounds the entries of a root; 0 means no limit.
	MaxEntries uint64 `json:"maxEntries,omitempty"`
	// MaxFileSize bounds the size of a file that is transferred; 0 means no limit.
	MaxFileSize int64 `json:"maxFileSize,omitempty"`
	// TrashMaxBytes and TrashMaxAge bound each side's trash of removed and overwritten
	// content; 0 means the defaults (1 GiB, 7 days).
	TrashMaxBytes int64         `json:"trashMaxBytes,omitempty"`
	TrashMaxAge   time.Duration `json:"trashMaxAge,omitempty"`
	// MaxDeletionShare halts a cycle that would delete more than this share of a
	// side's files (and at least massDeletionMin of them) until the deletion is
	// confirmed; 0 means the default 0.5, 1 or more never halts.
	MaxDeletionShare float64 `json:"maxDeletionShare,omitempty"`
}

// DefaultSyncConfig returns the configuration with every default filled in.
func DefaultSyncConfig() SyncConfig {
	return SyncConfig{Mode: reconcile.TwoWaySafe, PollInterval: local.DefaultPollInterval, MaxDeletionShare: 0.5}
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
	if c.PollInterval < 100*time.Millisecond {
		return errors.New("the polling interval must be at least 100ms")
	}
	if c.MaxFileSize < 0 || c.TrashMaxBytes < 0 || c.TrashMaxAge < 0 || c.MaxDeletionShare < 0 {
		return errors.New("sizes, ages and shares in the configuration cannot be negative")
	}
	_, err := c.matcher()
	return err
}

// matcher compiles the ignore patterns.
func (c SyncConfig) matcher() (*ignore.Matcher, error) {
	patterns := c.Ignores
	if c.IgnoreVCS {
		patterns = append(append([]string(nil), ignore.VCS...), patterns...)
	}
	return ignore.Compile(patterns)
}
