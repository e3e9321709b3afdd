package session

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/trash"
	"github.com/ferrysync/ferry/engine/url"
)

// OpenLocal is the transport for local endpoints. Caches and staging live in the
// session's state directory.
func OpenLocal(_ context.Context, req EndpointRequest) (endpoint.Endpoint, error) {
	root := req.URL.Path
	if err := PrepareRoot(root, req.Create); err != nil {
		return nil, err
	}
	opts, err := LocalOptions(req.Config, LocalPaths{
		Cache:   filepath.Join(req.StateDir, req.Side+".cache"),
		Staging: filepath.Join(req.StateDir, "staging-"+req.Side),
		Trash:   filepath.Join(req.StateDir, "trash-"+req.Side),
		Replica: filepath.Join(req.StateDir, "replica-"+req.Side),
		Markers: filepath.Join(req.StateDir, "markers-"+req.Side),
		Lock:    filepath.Join(req.StateDir, req.Side+".lock"),
	})
	if err != nil {
		return nil, err
	}
	return local.Open(root, opts)
}

// LocalPaths are where a local endpoint keeps its state.
type LocalPaths struct {
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

// LocalOptions builds a local endpoint's options from a session configuration.
func LocalOptions(cfg SyncConfig, paths LocalPaths) (local.Options, error) {
	cfg = cfg.withDefaults()
	m, err := cfg.matcher()
	if err != nil {
		return local.Options{}, err
	}
	perms, err := cfg.Permissions.Resolve()
	if err != nil {
		return local.Options{}, err
	}
	return local.Options{
		Scan: scan.Options{Ignore: m, Symlinks: cfg.Symlinks, MaxEntries: cfg.MaxEntries, CachePath: paths.Cache,
			IgnoreExecutability: cfg.Permissions.Manual},
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

// isLocal reports whether a session URL names a local path.
func isLocal(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.IsLocal()
}
