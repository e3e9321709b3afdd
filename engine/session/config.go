package session

import (
	"errors"
	"fmt"
	"io/fs"
	"os/user"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ferrysync/ferry/engine/ignore"
	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/engine/reconcile"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/transition"
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
	// Permissions are the permissions mode and the modes and owner of what sync
	// creates (on each side, resolved there).
	Permissions PermissionsConfig `json:"permissions,omitempty"`
	// MaxDeletionShare halts a cycle that would delete more than this share of a
	// side's files (and at least massDeletionMin of them) until the deletion is
	// confirmed; 0 means the default 0.5, 1 or more never halts.
	MaxDeletionShare float64 `json:"maxDeletionShare,omitempty"`
}

// PermissionsConfig says how permissions are synchronized. The portable mode (default)
// synchronizes the executable bit; the manual mode synchronizes no permission bits and
// gives new files and directories the default modes. Both give what sync creates the
// default owner and group, when set (names or numeric ids, resolved on each side).
type PermissionsConfig struct {
	Manual   bool        `json:"manual,omitempty"`
	FileMode fs.FileMode `json:"fileMode,omitempty"`
	DirMode  fs.FileMode `json:"dirMode,omitempty"`
	Owner    string      `json:"owner,omitempty"`
	Group    string      `json:"group,omitempty"`
}

// Validate checks the modes (owner and group are checked where they are resolved).
func (p PermissionsConfig) Validate() error {
	if p.FileMode&^fs.ModePerm != 0 || p.DirMode&^fs.ModePerm != 0 {
		return errors.New("default file and directory modes are permission bits only, such as 0644 and 0755")
	}
	if p.FileMode != 0 && p.FileMode&0o600 != 0o600 {
		return fmt.Errorf("default file mode %04o would not let the owner read and write what sync creates; give at least 0600", p.FileMode)
	}
	if p.DirMode != 0 && p.DirMode&0o700 != 0o700 {
		return fmt.Errorf("default directory mode %04o would not let the owner list and fill what sync creates; give at least 0700", p.DirMode)
	}
	return nil
}

// Resolve turns the configuration into a transition's, looking owner and group up on
// this system.
func (p PermissionsConfig) Resolve() (transition.Permissions, error) {
	out := transition.Permissions{Manual: p.Manual, FileMode: p.FileMode, DirMode: p.DirMode, UID: -1, GID: -1}
	if p.Owner != "" {
		u, err := lookupID(p.Owner, func(n string) (string, error) {
			u, err := user.Lookup(n)
			if err != nil {
				return "", err
			}
			return u.Uid, nil
		})
		if err != nil {
			return out, fmt.Errorf("default owner %q: %w", p.Owner, err)
		}
		out.UID = u
	}
	if p.Group != "" {
		g, err := lookupID(p.Group, func(n string) (string, error) {
			g, err := user.LookupGroup(n)
			if err != nil {
				return "", err
			}
			return g.Gid, nil
		})
		if err != nil {
			return out, fmt.Errorf("default group %q: %w", p.Group, err)
		}
		out.GID = g
	}
	return out, nil
}

var modeRE = regexp.MustCompile(`^(0o?)?[0-7]{1,4}$`)

// ParseMode reads permission bits written in octal, such as "0644" or "0o644".
func ParseMode(s string) (fs.FileMode, bool) {
	mode, err := strconv.ParseUint(strings.TrimPrefix(s, "0o"), 8, 32)
	if !modeRE.MatchString(s) || err != nil || mode > 0o777 {
		return 0, false
	}
	return fs.FileMode(mode), true
}

// lookupID returns a numeric id as it is, or looks a name up.
func lookupID(s string, lookup func(string) (string, error)) (int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 {
			return 0, errors.New("ids are not negative")
		}
		return n, nil
	}
	id, err := lookup(s)
	if err != nil {
		return 0, fmt.Errorf("unknown on this system (%v); give a name or a numeric id that exists here", err)
	}
	return strconv.Atoi(id)
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
	if err := c.Permissions.Validate(); err != nil {
		return err
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
