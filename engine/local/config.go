package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ferrysync/ferry/engine/ignore"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/trash"
)

// Config is what an endpoint needs of its session's configuration: the same on both
// sides, sent to agents as JSON (a session's configuration embeds it, so the fields
// appear at its top level). The zero value of each field means its default.
type Config struct {
	// Ignores are gitignore-syntax patterns excluded from synchronization.
	Ignores []string `json:"ignores,omitempty"`
	// IgnoreVCS also excludes version-control directories (.git, .hg, ...).
	IgnoreVCS bool `json:"ignoreVCS,omitempty"`
	// GitIgnore applies the tree's .gitignore files and .git/info/exclude as git does;
	// what they exclude is left alone on both sides (see scan.Options.GitIgnore).
	GitIgnore bool `json:"gitignore,omitempty"`
	// Symlinks says how symbolic links are treated; default portable.
	Symlinks scan.SymlinkMode `json:"symlinks,omitempty"`
	// Watch says how changes are detected; default portable (native watching).
	Watch WatchMode `json:"watch,omitempty"`
	// PollInterval is the polling period when polling; default DefaultPollInterval.
	PollInterval time.Duration `json:"pollInterval,omitempty"`
	// MaxEntries bounds the entries of a root; 0 means no limit.
	MaxEntries uint64 `json:"maxEntries,omitempty"`
	// TrashMaxBytes and TrashMaxAge bound each side's trash of removed and overwritten
	// content; 0 means the defaults (1 GiB, 7 days).
	TrashMaxBytes int64         `json:"trashMaxBytes,omitempty"`
	TrashMaxAge   time.Duration `json:"trashMaxAge,omitempty"`
	// Permissions are the permissions mode and the modes and owner of what sync
	// creates (on each side, resolved there).
	Permissions PermissionsConfig `json:"permissions,omitempty"`
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.PollInterval != 0 && c.PollInterval < 100*time.Millisecond {
		return errors.New("the polling interval must be at least 100ms")
	}
	if err := c.Permissions.Validate(); err != nil {
		return err
	}
	if c.TrashMaxBytes < 0 || c.TrashMaxAge < 0 {
		return errors.New("sizes and ages in the configuration cannot be negative")
	}
	_, err := c.Matcher()
	return err
}

// Matcher compiles the ignore patterns.
func (c Config) Matcher() (*ignore.Matcher, error) {
	patterns := c.Ignores
	if c.IgnoreVCS {
		patterns = append(append([]string(nil), ignore.VCS...), patterns...)
	}
	return ignore.Compile(patterns)
}

// Paths are where an endpoint keeps its state, outside its root.
type Paths struct {
	// Cache is the digest cache file; Staging and Trash are directories; Replica holds
	// the replica identifier; Markers is the directory of the watcher's flush barriers;
	// Lock is held while the endpoint is open.
	Cache, Staging, Trash, Replica, Markers, Lock string
}

// WatchDelayEnv names a test seam: a duration (e.g. "20ms") by which every watcher
// event is delayed, as on a machine too busy to keep up. Tests set it for the daemon
// and, through sshd, for agents; it is never set in production.
const WatchDelayEnv = "FERRY_TEST_WATCH_DELAY"

// watchDelay reads WatchDelayEnv (zero when unset or malformed).
func watchDelay() time.Duration {
	d, _ := time.ParseDuration(os.Getenv(WatchDelayEnv))
	return max(d, 0)
}

// OptionsFor builds an endpoint's options from its configuration and state paths.
func OptionsFor(cfg Config, paths Paths) (Options, error) {
	m, err := cfg.Matcher()
	if err != nil {
		return Options{}, err
	}
	perms, err := cfg.Permissions.Resolve()
	if err != nil {
		return Options{}, err
	}
	return Options{
		Scan: scan.Options{Ignore: m, Symlinks: cfg.Symlinks, MaxEntries: cfg.MaxEntries, CachePath: paths.Cache,
			IgnoreExecutability: cfg.Permissions.Manual, GitIgnore: cfg.GitIgnore},
		Permissions: &perms,
		StagingDir:  paths.Staging, Watch: cfg.Watch, PollInterval: cfg.PollInterval,
		TrashDir: paths.Trash, Trash: trash.Limits{MaxBytes: cfg.TrashMaxBytes, MaxAge: cfg.TrashMaxAge},
		ReplicaFile: paths.Replica,
		MarkerDir:   paths.Markers, WatchEventDelay: watchDelay(), LockFile: paths.Lock,
	}, nil
}

// PrepareRoot checks a root when a session is created: it must be a directory; a
// missing root whose parent exists is created when create is set.
func PrepareRoot(root string, create bool) error {
	info, err := os.Stat(root)
	switch {
	case err == nil && !info.IsDir():
		return fmt.Errorf("%s is a file; a sync root must be a directory", root)
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("checking %s: %w", root, err)
	case !create:
		return nil // the session reports a missing root (and halts if that would lose data)
	}
	parent := filepath.Dir(root)
	if pinfo, err := os.Stat(parent); err != nil || !pinfo.IsDir() {
		return fmt.Errorf("%s does not exist, nor does its parent %s; create the parent first", root, parent)
	}
	if err := os.Mkdir(root, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating %s: %w", root, err)
	}
	return nil
}
