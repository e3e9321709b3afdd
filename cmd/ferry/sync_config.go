package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ferrysync/ferry/engine/bytesize"
	"github.com/ferrysync/ferry/engine/ignore"
	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/protocol"
)

// configFlags are the flags of "sync create" that are more than a field of the API's
// configuration: ignore files, sizes, each side's settings, and flags that contradict
// one another. apply puts them into the configuration.
type configFlags struct {
	ignores, ignoreFrom []string
	ignoreVCS, noIgnore bool
	pollSeconds         float64
	maxFileSize         bytesize.Size
	alpha, beta         protocol.SideConfig
}

func (c *configFlags) add(f *pflag.FlagSet, cfg *protocol.SyncConfig) {
	f.StringArrayVarP(&c.ignores, "ignore", "i", nil, "ignore paths matching a gitignore-style pattern (repeatable)")
	f.StringArrayVar(&c.ignoreFrom, "ignore-from", nil, "ignore the gitignore-style patterns of a local `FILE`, one a line (repeatable; before --ignore patterns)")
	f.BoolVar(&c.ignoreVCS, "ignore-vcs", false, "ignore version-control directories (.git, .hg, .svn, ...)")
	f.BoolVar(&c.noIgnore, "no-ignore-vcs", false, "synchronize version-control directories (the default)")
	f.BoolVar(&cfg.GitIgnore, "gitignore", false, "also ignore what the tree's .gitignore files and .git/info/exclude ignore, as git does")
	f.StringVar(&cfg.SymlinkMode, "symlink-mode", "", "portable (default), ignore or posix-raw")
	f.StringVar(&cfg.WatchMode, "watch-mode", "", "portable (default: watch natively), force-poll or no-watch")
	f.Float64Var(&c.pollSeconds, "watch-polling-interval", 0, "seconds between polls when polling (default 10)")
	f.Uint64Var(&cfg.MaxEntries, "max-entry-count", 0, "refuse roots with more entries than this (0: no limit)")
	f.Var(&c.maxFileSize, "max-staging-file-size", "do not transfer larger files: bytes or a size such as 100MB, 1.5GiB, 512k (0: no limit)")
	f.StringVar(&cfg.PermissionsMode, "permissions-mode", "", "portable (default: the executable bit is synchronized) or manual (no permission bits are)")
	f.StringVar(&cfg.DefaultFileMode, "default-file-mode", "", "octal mode of files sync creates (default 0644; plus executable bits in the portable mode)")
	f.StringVar(&cfg.DefaultDirectoryMode, "default-directory-mode", "", "octal mode of directories sync creates (default 0755)")
	f.StringVar(&cfg.DefaultOwner, "default-owner", "", "user that owns what sync creates, on each side (a name or id that exists there)")
	f.StringVar(&cfg.DefaultGroup, "default-group", "", "group that owns what sync creates, on each side (a name or id that exists there)")
	for _, s := range []struct {
		name string
		side *protocol.SideConfig
	}{{"alpha", &c.alpha}, {"beta", &c.beta}} {
		f.StringVar(&s.side.WatchMode, "watch-mode-"+s.name, "", "--watch-mode for "+s.name+" only")
		f.Float64Var(&s.side.PollIntervalSeconds, "watch-polling-interval-"+s.name, 0, "--watch-polling-interval for "+s.name+" only")
		f.StringVar(&s.side.DefaultFileMode, "default-file-mode-"+s.name, "", "--default-file-mode for "+s.name+" only")
		f.StringVar(&s.side.DefaultDirectoryMode, "default-directory-mode-"+s.name, "", "--default-directory-mode for "+s.name+" only")
		f.StringVar(&s.side.DefaultOwner, "default-owner-"+s.name, "", "--default-owner for "+s.name+" only")
		f.StringVar(&s.side.DefaultGroup, "default-group-"+s.name, "", "--default-group for "+s.name+" only")
	}
}

// apply checks the flags against one another and puts them into cfg, reading the
// files of --ignore-from.
func (c *configFlags) apply(f *pflag.FlagSet, cfg *protocol.SyncConfig) error {
	if f.Changed("ignore-vcs") && f.Changed("no-ignore-vcs") {
		return errors.New("--ignore-vcs and --no-ignore-vcs contradict each other; give one of them")
	}
	cfg.IgnoreVCS = c.ignoreVCS && !c.noIgnore
	cfg.Ignores = nil
	for _, file := range c.ignoreFrom {
		patterns, err := readIgnoreFile(file)
		if err != nil {
			return err
		}
		cfg.Ignores = append(cfg.Ignores, patterns...)
	}
	cfg.Ignores = append(cfg.Ignores, c.ignores...)
	cfg.PollIntervalSeconds = c.pollSeconds
	cfg.MaxFileSize = int64(c.maxFileSize)
	cfg.Alpha, cfg.Beta = sideOrNil(c.alpha), sideOrNil(c.beta)
	return nil
}

func sideOrNil(s protocol.SideConfig) *protocol.SideConfig {
	if s == (protocol.SideConfig{}) {
		return nil
	}
	return &s
}

// maxIgnoreFile bounds a file of patterns: anything larger is not a list of patterns.
const maxIgnoreFile = 1 << 20

// readIgnoreFile reads the patterns of a gitignore-syntax file, leaving out the lines
// git skips (blank lines, comments); a malformed pattern is reported with its line.
func readIgnoreFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("--ignore-from %s: no such file; give a file of gitignore-style patterns, one a line", path)
	}
	if err != nil {
		return nil, fmt.Errorf("--ignore-from: %w", err)
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return nil, fmt.Errorf("--ignore-from %s is a folder; give a file of gitignore-style patterns, one a line", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxIgnoreFile+1))
	if err != nil {
		return nil, fmt.Errorf("--ignore-from: %w", err)
	}
	if len(data) > maxIgnoreFile {
		return nil, fmt.Errorf("--ignore-from %s is larger than %s; give a file of patterns, one a line", path, bytesize.Size(maxIgnoreFile))
	}
	var out []string
	for i, line := range ignore.FileLines(data) {
		if ignore.Inert(line) {
			continue
		}
		if _, err := ignore.Compile([]string{line}); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		out = append(out, line)
	}
	return out, nil
}

// printConfig writes the effective configuration of a session for "sync list --long":
// what each setting is, defaults included, per side where the sides differ.
func printConfig(w io.Writer, c protocol.SyncConfig) {
	fmt.Fprintf(w, "Configuration:\n")
	line := func(what, value string) { fmt.Fprintf(w, "  %s: %s\n", what, value) }
	ignores := "none"
	if len(c.Ignores) > 0 {
		ignores = strings.Join(c.Ignores, ", ")
	}
	line("Ignores", ignores)
	line("Ignore VCS", yesNo(c.IgnoreVCS))
	line("Gitignore", yesNo(c.GitIgnore))
	line("Symlink mode", cmp.Or(c.SymlinkMode, "portable"))
	line("Permissions mode", cmp.Or(c.PermissionsMode, "portable"))
	fileMode := "0644 (default)"
	if cmp.Or(c.PermissionsMode, "portable") == "portable" {
		fileMode = "0644, plus executable bits (default)"
	}
	for _, s := range []struct {
		what string
		of   func(protocol.SideConfig) string
	}{
		{"Watch mode", func(s protocol.SideConfig) string { return cmp.Or(s.WatchMode, "portable") }},
		{"Polling interval", func(s protocol.SideConfig) string {
			if s.PollIntervalSeconds == 0 {
				return local.DefaultPollInterval.String() + " (default)"
			}
			return (time.Duration(s.PollIntervalSeconds * float64(time.Second))).String()
		}},
		{"Default file mode", func(s protocol.SideConfig) string { return cmp.Or(s.DefaultFileMode, fileMode) }},
		{"Default directory mode", func(s protocol.SideConfig) string { return cmp.Or(s.DefaultDirectoryMode, "0755 (default)") }},
		{"Default owner", func(s protocol.SideConfig) string {
			return cmp.Or(s.DefaultOwner, "the user ferry runs as there (default)")
		}},
		{"Default group", func(s protocol.SideConfig) string { return cmp.Or(s.DefaultGroup, "that user's group (default)") }},
	} {
		alpha, beta := s.of(effectiveSide(c, c.Alpha)), s.of(effectiveSide(c, c.Beta))
		if alpha == beta {
			line(s.what, alpha)
		} else {
			line(s.what, "alpha "+alpha+"; beta "+beta)
		}
	}
	size := "no limit"
	if c.MaxFileSize > 0 {
		size = bytesize.Size(c.MaxFileSize).String()
		if n := strconv.FormatInt(c.MaxFileSize, 10); n != size {
			size += " (" + n + " bytes)"
		} else {
			size += " bytes"
		}
	}
	line("Max staging file size", size)
	count := "no limit"
	if c.MaxEntries > 0 {
		count = strconv.FormatUint(c.MaxEntries, 10)
	}
	line("Max entry count", count)
}

// effectiveSide is what one side runs with: its own settings, else the session's.
func effectiveSide(c protocol.SyncConfig, own *protocol.SideConfig) protocol.SideConfig {
	out := protocol.SideConfig{WatchMode: c.WatchMode, PollIntervalSeconds: c.PollIntervalSeconds,
		DefaultFileMode: c.DefaultFileMode, DefaultDirectoryMode: c.DefaultDirectoryMode,
		DefaultOwner: c.DefaultOwner, DefaultGroup: c.DefaultGroup}
	if own == nil {
		return out
	}
	out.WatchMode = cmp.Or(own.WatchMode, out.WatchMode)
	if own.PollIntervalSeconds != 0 {
		out.PollIntervalSeconds = own.PollIntervalSeconds
	}
	out.DefaultFileMode = cmp.Or(own.DefaultFileMode, out.DefaultFileMode)
	out.DefaultDirectoryMode = cmp.Or(own.DefaultDirectoryMode, out.DefaultDirectoryMode)
	out.DefaultOwner = cmp.Or(own.DefaultOwner, out.DefaultOwner)
	out.DefaultGroup = cmp.Or(own.DefaultGroup, out.DefaultGroup)
	return out
}
