// Package project reads project files: a ferry.yml in a folder declares, by name, the
// sync and forward sessions that belong to that folder, so that "ferry project start"
// (or the editor) can create them all at once and find them again later.
//
// Invariants:
//   - Parse is pure: it reads no file, opens no connection and asks no daemon; it reads
//     only $HOME, to expand a local "~". Load is Parse plus reading the one file.
//   - A Project returned without error is valid as a whole: every session it describes
//     passes the same checks the daemon makes on sync/create and forward/create (name,
//     labels, mode, symlink and watch modes, polling interval, ignore patterns,
//     sizes, each side's own settings,
//     endpoint and address syntax, nested local roots). Starting a project can then fail
//     only on what needs the world (an unreachable host, a port in use, a name taken by
//     a session created by hand), never half-way through on a typo.
//   - A file with any problem yields no Project. The error lists every problem found,
//     each as "FILE:LINE: what is wrong and what to write instead", in file order;
//     unknown keys are problems (the YAML is also decoded with yaml.v3's KnownFields).
//   - Everything a session is known by is derived from the project's folder and the
//     entry's name only, deterministically (see ID and Prefix): the same folder gives
//     the same labels and names in the CLI and in the editor extension
//     (extension/src/core/project.ts), which testdata/naming.json pins for both.
//   - Relative local paths (alpha, beta, unix: sockets) resolve against the project's
//     folder, never against the working directory.
//   - Defaults (see DefaultsKey) are checked where they are written, once: a
//     configuration file (ParseConfig) is valid on its own before it applies to any
//     project, and a project's own defaults: are reported at their lines, not once
//     per entry that takes them. Applying defaults never changes the layers applied.
//   - Hooks and commands are only read here (their text, non-empty); running them is
//     the CLI's business.
package project
