package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FileName is the name of a project file in its folder.
const FileName = "ferry.yml"

// maxFileSize bounds a project file; anything larger is not a hand-written project file.
const maxFileSize = 1 << 20

// Project is a validated project file.
type Project struct {
	// Dir is the project's folder: absolute, with symbolic links resolved.
	Dir string `json:"dir"`
	// File is the project file's path, as errors name it.
	File string `json:"file"`
	// ID identifies the project among all of a user's projects (see ID).
	ID string `json:"id"`
	// Digest identifies the file's contents (see Digest); sessions carry it in
	// LabelDigest, so a changed file can be noticed.
	Digest string `json:"digest"`
	// Sync and Forward are the declared sessions, in file order.
	Sync    []Sync    `json:"sync"`
	Forward []Forward `json:"forward"`
	// Hooks run around start and stop; Commands are run by name ("ferry project run").
	Hooks    Hooks              `json:"hooks,omitzero"`
	Commands map[string]Command `json:"commands,omitempty"`
}

// Sync is a sync session declared in a project file. Empty fields take the daemon's
// defaults.
type Sync struct {
	// Entry is the session's name in the file; Line where it is declared.
	Entry string `json:"entry"`
	Line  int    `json:"line"`
	// Name is the session's name in the daemon: Prefix(Dir) + Entry.
	Name string `json:"name"`
	// Labels are the file's labels plus LabelProject and LabelDigest.
	Labels map[string]string `json:"labels"`
	// Alpha and Beta are the endpoint URLs, local paths absolute.
	Alpha string `json:"alpha"`
	Beta  string `json:"beta"`
	// Mode is two-way-safe (""), two-way-resolved, one-way-safe or one-way-replica.
	Mode string `json:"mode,omitempty"`
	// Ignore are gitignore-syntax patterns; IgnoreVCS adds .git, .hg, ...; GitIgnore
	// applies the tree's .gitignore files and .git/info/exclude.
	Ignore    []string `json:"ignore,omitempty"`
	IgnoreVCS bool     `json:"ignoreVCS,omitempty"`
	GitIgnore bool     `json:"gitignore,omitempty"`
	// SymlinkMode is portable (""), ignore or posix-raw.
	SymlinkMode string `json:"symlinkMode,omitempty"`
	// WatchMode is portable (""), force-poll or no-watch.
	WatchMode string `json:"watchMode,omitempty"`
	// WatchPollingInterval is the polling period in seconds (0: the default).
	WatchPollingInterval float64 `json:"watchPollingInterval,omitempty"`
	// MaxEntryCount bounds a root's entries (0: no limit).
	MaxEntryCount uint64 `json:"maxEntryCount,omitempty"`
	// MaxStagingFileSize bounds the size in bytes of a transferred file (0: no limit);
	// the file may write it with a unit (100MB, 1.5GiB).
	MaxStagingFileSize int64 `json:"maxStagingFileSize,omitempty"`
	// PermissionsMode is portable ("") or manual; the defaults are the octal modes and
	// the owner and group of what sync creates ("": ferry's defaults).
	PermissionsMode      string `json:"permissionsMode,omitempty"`
	DefaultFileMode      string `json:"defaultFileMode,omitempty"`
	DefaultDirectoryMode string `json:"defaultDirectoryMode,omitempty"`
	DefaultOwner         string `json:"defaultOwner,omitempty"`
	DefaultGroup         string `json:"defaultGroup,omitempty"`
	// ConfigurationAlpha and ConfigurationBeta are one side's own settings, where the
	// sides differ (nil: the session's).
	ConfigurationAlpha *Side `json:"configurationAlpha,omitempty"`
	ConfigurationBeta  *Side `json:"configurationBeta,omitempty"`
}

// Side holds one side's own settings of a sync session; each empty field takes the
// session's.
type Side struct {
	// WatchMode is portable, force-poll or no-watch; WatchPollingInterval is in seconds.
	WatchMode            string  `json:"watchMode,omitempty"`
	WatchPollingInterval float64 `json:"watchPollingInterval,omitempty"`
	// The octal modes, and the owner and group, of what sync creates on that side.
	DefaultFileMode      string `json:"defaultFileMode,omitempty"`
	DefaultDirectoryMode string `json:"defaultDirectoryMode,omitempty"`
	DefaultOwner         string `json:"defaultOwner,omitempty"`
	DefaultGroup         string `json:"defaultGroup,omitempty"`
}

// Forward is a forward session declared in a project file.
type Forward struct {
	// Entry is the session's name in the file; Line where it is declared.
	Entry string `json:"entry"`
	Line  int    `json:"line"`
	// Name is the session's name in the daemon: Prefix(Dir) + Entry.
	Name string `json:"name"`
	// Labels are the file's labels plus LabelProject and LabelDigest.
	Labels map[string]string `json:"labels"`
	// Source listens; Destination is dialed for every connection.
	Source      string `json:"source"`
	Destination string `json:"destination"`
	// SocketMode is a unix listener's permissions in octal ("": 0600).
	SocketMode string `json:"socketMode,omitempty"`
	// SocketOverwrite replaces a stale file at a unix listener's path.
	SocketOverwrite bool `json:"socketOverwrite,omitempty"`
}

// Entries returns the number of sessions the project declares.
func (p *Project) Entries() int { return len(p.Sync) + len(p.Forward) }

// ErrNoFile: the folder has no project file.
var ErrNoFile = errors.New("no project file")

// IsNoFile reports whether err says that a folder has no project file.
func IsNoFile(err error) bool { return errors.Is(err, ErrNoFile) }

// Dir returns the folder of the project that path designates (the folder itself, or
// its ferry.yml): absolute, with symbolic links resolved, as ID needs it.
func Dir(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("project folder %s: %w", abs, err)
	}
	if !info.IsDir() {
		if filepath.Base(abs) != FileName {
			return "", fmt.Errorf("%s is not a folder; give the folder that holds %s (or that file)", abs, FileName)
		}
		abs = filepath.Dir(abs)
	}
	return filepath.EvalSymlinks(abs)
}

// Load reads and parses the project file of the project that path designates (a
// folder, or its ferry.yml).
func Load(path string) (*Project, error) { return LoadWithDefaults(path, nil) }

// LoadWithDefaults is Load with base (from configuration files) under the file's own
// defaults; base may be nil.
func LoadWithDefaults(path string, base *Defaults) (*Project, error) {
	dir, err := Dir(path)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, FileName)
	data, err := readFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		if _, yerr := os.Stat(filepath.Join(dir, "ferry.yaml")); yerr == nil {
			return nil, fmt.Errorf("%w in %s: found ferry.yaml, but the project file is named %s; rename it", ErrNoFile, dir, FileName)
		}
		return nil, fmt.Errorf("%w in %s: write a %s there that declares its sessions (see \"Project files\" in ferry's README)", ErrNoFile, dir, FileName)
	}
	if err != nil {
		return nil, err
	}
	return ParseWithDefaults(data, file, dir, base)
}

func readFile(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", file)
	}
	if info.Size() > maxFileSize {
		return nil, fmt.Errorf("%s is %d bytes; a project file holds at most %d", file, info.Size(), maxFileSize)
	}
	return os.ReadFile(file)
}
