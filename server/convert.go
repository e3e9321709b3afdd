package server

import (
	"fmt"
	"io/fs"
	"time"

	"github.com/ferrysync/ferry/engine/endpoint"
	"github.com/ferrysync/ferry/engine/local"
	"github.com/ferrysync/ferry/engine/reconcile"
	"github.com/ferrysync/ferry/engine/registry"
	"github.com/ferrysync/ferry/engine/scan"
	"github.com/ferrysync/ferry/engine/session"
	"github.com/ferrysync/ferry/engine/tree"
	"github.com/ferrysync/ferry/protocol"
)

// toWireSession converts a session state for the API.
func toWireSession(s session.State) protocol.SyncSession {
	out := protocol.SyncSession{
		Seq: s.Seq, ID: s.Spec.ID, Name: s.Spec.Name, Labels: s.Spec.Labels,
		Alpha: toWireEndpoint(s.Alpha), Beta: toWireEndpoint(s.Beta),
		Config: toWireConfig(s.Spec.Config), Paused: s.Spec.Paused,
		CreatedAt: s.Spec.CreatedAt.Format(time.RFC3339),
		Status:    string(s.Status), ConflictCount: s.ConflictCount,
		Conflicts: make([]protocol.Conflict, len(s.Conflicts)),
		LastError: s.LastError, Cycles: s.Cycles, Terminated: s.Terminated,
	}
	for i, c := range s.Conflicts {
		out.Conflicts[i] = toWireConflict(c)
	}
	if !s.LastCycle.IsZero() {
		out.LastCycle = s.LastCycle.UTC().Format(time.RFC3339Nano)
	}
	if p := s.Staging; p != nil {
		out.Staging = &protocol.StagingProgress{Side: p.Side, FilesDone: p.FilesDone, FilesTotal: p.FilesTotal,
			BytesDone: p.BytesDone, BytesTotal: p.BytesTotal, Rate: p.Rate, Path: p.Path}
	}
	return out
}

func toWireEndpoint(e session.EndpointState) protocol.EndpointState {
	var fsInfo *protocol.FileSystemInfo
	if f := e.FileSystem; f != nil {
		fsInfo = &protocol.FileSystemInfo{CaseInsensitive: f.CaseInsensitive, UnicodeInsensitive: f.UnicodeInsensitive,
			NormalizesNames: f.NormalizesNames, ExecutableBits: f.ExecutableBits, Symlinks: f.Symlinks,
			NoReplaceRename: f.NoReplaceRename, HardLinks: f.HardLinks, Summary: f.Describe()}
	}
	return protocol.EndpointState{FileSystem: fsInfo,
		URL: e.URL, Status: string(e.Link), Connected: e.Link == session.LinkConnected, Scanned: e.Scanned,
		Directories: e.Counts.Directories, Files: e.Counts.Files, Symlinks: e.Counts.Symlinks,
		TotalFileSize: e.Counts.TotalFileSize, Watch: e.Watch, WatchProblem: e.WatchProblem,
		Problems: toWireProblems(e.Problems), ProblemCount: e.ProblemCount,
	}
}

func toWireProblems(ps []endpoint.Problem) []protocol.Problem {
	out := make([]protocol.Problem, len(ps))
	for i, p := range ps {
		out[i] = protocol.Problem{Path: p.Path, Error: p.Error}
	}
	return out
}

func toWireConflict(c reconcile.Conflict) protocol.Conflict {
	return protocol.Conflict{Path: c.Path, Ancestor: summarize(c.Ancestor), Alpha: summarize(c.Alpha), Beta: summarize(c.Beta)}
}

func summarize(e *tree.Entry) protocol.EntrySummary {
	if e == nil {
		return protocol.EntrySummary{Kind: protocol.KindAbsent}
	}
	switch e.Kind {
	case tree.File:
		return protocol.EntrySummary{Kind: protocol.KindFile, Size: e.Size, Digest: e.Digest.String(), Executable: e.Executable}
	case tree.Symlink:
		return protocol.EntrySummary{Kind: protocol.KindSymlink, Target: e.Target}
	case tree.Directory:
		n := 0
		tree.Walk(e, "", func(string, *tree.Entry) bool { n++; return true })
		return protocol.EntrySummary{Kind: protocol.KindDirectory, Entries: n - 1}
	}
	return protocol.EntrySummary{Kind: protocol.KindUntracked}
}

func toWireConfig(c session.SyncConfig) protocol.SyncConfig {
	return protocol.SyncConfig{
		Mode: c.Mode.String(), Ignores: c.Ignores, IgnoreVCS: c.IgnoreVCS, GitIgnore: c.GitIgnore,
		SymlinkMode: c.Symlinks.String(), WatchMode: c.Watch.String(),
		PollIntervalSeconds: c.PollInterval.Seconds(), MaxEntries: c.MaxEntries, MaxFileSize: c.MaxFileSize,
		PermissionsMode: permissionsMode(c.Permissions.Manual), DefaultFileMode: octal(c.Permissions.FileMode),
		DefaultDirectoryMode: octal(c.Permissions.DirMode), DefaultOwner: c.Permissions.Owner, DefaultGroup: c.Permissions.Group,
		Alpha: toWireSide(c.Alpha), Beta: toWireSide(c.Beta),
	}
}

func toWireSide(s session.SideConfig) *protocol.SideConfig {
	if s == (session.SideConfig{}) {
		return nil
	}
	out := &protocol.SideConfig{PollIntervalSeconds: s.PollInterval.Seconds(), DefaultFileMode: octal(s.FileMode),
		DefaultDirectoryMode: octal(s.DirMode), DefaultOwner: s.Owner, DefaultGroup: s.Group}
	if s.Watch != nil {
		out.WatchMode = s.Watch.String()
	}
	return out
}

// fromWireSide converts one side's settings; what is wrong is said of the side.
func fromWireSide(c *protocol.SideConfig, side string) (session.SideConfig, error) {
	var out session.SideConfig
	if c == nil {
		return out, nil
	}
	var err error
	if c.WatchMode != "" {
		w, err := local.ParseWatchMode(c.WatchMode)
		if err != nil {
			return out, fmt.Errorf("%s: %w", side, err)
		}
		out.Watch = &w
	}
	if c.PollIntervalSeconds < 0 {
		return out, fmt.Errorf("%s: the polling interval cannot be negative; give seconds, at least 0.1 (0: the session's)", side)
	}
	out.PollInterval = time.Duration(c.PollIntervalSeconds * float64(time.Second))
	if out.FileMode, err = parseMode(c.DefaultFileMode, side+" default file mode"); err != nil {
		return out, err
	}
	if out.DirMode, err = parseMode(c.DefaultDirectoryMode, side+" default directory mode"); err != nil {
		return out, err
	}
	out.Owner, out.Group = c.DefaultOwner, c.DefaultGroup
	return out, nil
}

func permissionsMode(manual bool) string {
	if manual {
		return "manual"
	}
	return "portable"
}

func octal(m fs.FileMode) string {
	if m == 0 {
		return ""
	}
	return fmt.Sprintf("%04o", uint32(m))
}

// parseMode reads an octal permission mode such as 0644 ("" is 0: the default).
func parseMode(s, what string) (fs.FileMode, error) {
	if s == "" {
		return 0, nil
	}
	mode, ok := local.ParseMode(s)
	if !ok {
		return 0, fmt.Errorf("invalid %s %q: give octal permission bits such as 0644", what, s)
	}
	return mode, nil
}

// fromWireConfig converts and checks a configuration from the API.
func fromWireConfig(c protocol.SyncConfig) (session.SyncConfig, error) {
	var out session.SyncConfig
	var err error
	if out.Mode, err = reconcile.ParseMode(c.Mode); err != nil {
		return out, err
	}
	if out.Symlinks, err = scan.ParseSymlinkMode(c.SymlinkMode); err != nil {
		return out, err
	}
	if out.Watch, err = local.ParseWatchMode(c.WatchMode); err != nil {
		return out, err
	}
	if c.PollIntervalSeconds < 0 {
		return out, fmt.Errorf("the polling interval cannot be negative; give seconds, at least 0.1 (0: the default, 10)")
	}
	out.PollInterval = time.Duration(c.PollIntervalSeconds * float64(time.Second))
	out.Ignores, out.IgnoreVCS, out.GitIgnore = c.Ignores, c.IgnoreVCS, c.GitIgnore
	out.MaxEntries, out.MaxFileSize = c.MaxEntries, c.MaxFileSize
	switch c.PermissionsMode {
	case "", "portable":
	case "manual":
		out.Permissions.Manual = true
	default:
		return out, fmt.Errorf("unknown permissions mode %q: use portable or manual", c.PermissionsMode)
	}
	if out.Permissions.FileMode, err = parseMode(c.DefaultFileMode, "default file mode"); err != nil {
		return out, err
	}
	if out.Permissions.DirMode, err = parseMode(c.DefaultDirectoryMode, "default directory mode"); err != nil {
		return out, err
	}
	out.Permissions.Owner, out.Permissions.Group = c.DefaultOwner, c.DefaultGroup
	if out.Alpha, err = fromWireSide(c.Alpha, "alpha"); err != nil {
		return out, err
	}
	if out.Beta, err = fromWireSide(c.Beta, "beta"); err != nil {
		return out, err
	}
	return out, out.Validate()
}

func fromWireSelection(s protocol.Selection) registry.Selection {
	return registry.Selection{Specs: s.Sessions, LabelSelector: s.LabelSelector, All: s.All}
}
