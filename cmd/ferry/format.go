package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/ferrysync/ferry/protocol"
)

func sessionLabel(s protocol.SyncSession) string {
	if s.Name != "" {
		return fmt.Sprintf("%s (%s)", s.Name, s.ID)
	}
	return s.ID
}

// printSession writes a session for "sync list".
func printSession(w io.Writer, s protocol.SyncSession, long bool) {
	name := s.Name
	if name == "" {
		name = "(none)"
	}
	fmt.Fprintf(w, "Name: %s\n", name)
	fmt.Fprintf(w, "Identifier: %s\n", s.ID)
	fmt.Fprintf(w, "Labels: %s\n", formatLabels(s.Labels))
	fmt.Fprintf(w, "Mode: %s\n", s.Config.Mode)
	if long {
		printConfig(w, s.Config)
	}
	for _, side := range []struct {
		name string
		e    protocol.EndpointState
	}{{"Alpha", s.Alpha}, {"Beta", s.Beta}} {
		fmt.Fprintf(w, "%s:\n", side.name)
		fmt.Fprintf(w, "  URL: %s\n", side.e.URL)
		fmt.Fprintf(w, "  Connected: %s\n", describeLink(side.e))
		if long && side.e.Watch != "" {
			fmt.Fprintf(w, "  Changes: %s\n", side.e.Watch)
		}
		if side.e.WatchProblem != "" {
			fmt.Fprintf(w, "  Watching: %s\n", side.e.WatchProblem)
		}
		if f := side.e.FileSystem; long && f != nil {
			summary := f.Summary
			if summary == "" {
				summary = "POSIX (case-sensitive, executable bits, symbolic links, no-replace renames, hard links)"
			}
			fmt.Fprintf(w, "  File system: %s\n", summary)
		}
		if long && side.e.Scanned {
			fmt.Fprintf(w, "  Contents: %s, %s (%s), %s\n", counted(side.e.Directories, "directory", "directories"),
				counted(side.e.Files, "file"), formatBytes(side.e.TotalFileSize), counted(side.e.Symlinks, "symbolic link"))
		}
		if side.e.ProblemCount > 0 {
			fmt.Fprintf(w, "  Problems: %d\n", side.e.ProblemCount)
			for _, p := range side.e.Problems {
				fmt.Fprintf(w, "    %s: %s\n", displayPath(p.Path), p.Error)
			}
			if side.e.ProblemCount > len(side.e.Problems) {
				fmt.Fprintf(w, "    ... and %d more\n", side.e.ProblemCount-len(side.e.Problems))
			}
		}
	}
	fmt.Fprintf(w, "Status: %s\n", describeStatus(s))
	fmt.Fprintf(w, "Conflicts: %d\n", s.ConflictCount)
	if long {
		for _, c := range s.Conflicts {
			fmt.Fprintf(w, "  %s\n", describeConflict(c))
		}
		if s.ConflictCount > len(s.Conflicts) {
			fmt.Fprintf(w, "  ... and %d more (ferry sync conflicts %s)\n", s.ConflictCount-len(s.Conflicts), s.ID)
		}
	}
	if s.LastError != "" {
		fmt.Fprintf(w, "Last error: %s\n", s.LastError)
	}
}

func formatLabels(l map[string]string) string {
	if len(l) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func displayPath(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}

// describeLink says whether a side is connected, and if not, how it stands.
func describeLink(e protocol.EndpointState) string {
	switch e.Status {
	case protocol.EndpointConnecting:
		return "no (connecting)"
	case protocol.EndpointDisconnected:
		return "no (retrying)"
	case protocol.EndpointPaused:
		return "no (paused)"
	}
	return yesNo(e.Connected)
}

// describeStatus is a one-line human description of a session's status.
func describeStatus(s protocol.SyncSession) string {
	desc := map[string]string{
		protocol.StatusDisconnected:         "disconnected",
		protocol.StatusConnectingAlpha:      "connecting to alpha",
		protocol.StatusConnectingBeta:       "connecting to beta",
		protocol.StatusWatching:             "watching for changes",
		protocol.StatusScanning:             "scanning",
		protocol.StatusWaitingForRescan:     "waiting to rescan",
		protocol.StatusReconciling:          "reconciling",
		protocol.StatusStagingAlpha:         "staging files on alpha",
		protocol.StatusStagingBeta:          "staging files on beta",
		protocol.StatusTransitioning:        "applying changes",
		protocol.StatusSaving:               "saving",
		protocol.StatusPaused:               "paused",
		protocol.StatusHaltedRootDeleted:    "halted: a root was deleted",
		protocol.StatusHaltedRootEmptied:    "halted: a root was emptied",
		protocol.StatusHaltedRootTypeChange: "halted: a root is no longer a directory",
		protocol.StatusHaltedMassDeletion:   "halted: a mass deletion awaits confirmation",
		protocol.StatusHaltedReplicaChanged: "halted: a side is not the same replica",
		protocol.StatusHaltedTooManyEntries: "halted: a root holds more entries than allowed",
	}[s.Status]
	if desc == "" {
		desc = s.Status
	}
	if p := s.Staging; p != nil {
		desc += ": " + formatProgress(*p)
	}
	return desc
}

func describeEntry(e protocol.EntrySummary) string {
	switch e.Kind {
	case protocol.KindFile:
		x := ""
		if e.Executable {
			x = ", executable"
		}
		return fmt.Sprintf("file (%s%s)", formatBytes(uint64(e.Size)), x)
	case protocol.KindSymlink:
		return "link to " + e.Target
	case protocol.KindDirectory:
		return fmt.Sprintf("directory (%s)", counted(e.Entries, "entry", "entries"))
	}
	return e.Kind
}

func describeConflict(c protocol.Conflict) string {
	return fmt.Sprintf("%s: alpha has %s, beta has %s", displayPath(c.Path), describeEntry(c.Alpha), describeEntry(c.Beta))
}

func formatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// printJSON prints v as indented JSON on stdout.
func printJSON(v any) error { return writeJSON(os.Stdout, v) }
