// Package transition applies a cycle's changes to a local root.
//
// Invariants (each has a test):
//   - Just-in-time check: before anything at a path is replaced or removed, the path is
//     compared with what the scan saw there (metadata and digest from the scan cache,
//     link targets, directory-ness); if it differs, the change is skipped and reported,
//     never forced. Creations never replace something that appeared since the scan
//     (no-replace renames, exclusive creates).
//   - Files land by atomic rename of verified staged content, flushed to disk first, so
//     a synced path holds either the old or the new content, never a mix.
//   - What Apply did is durable when it returns (the directories it changed are
//     synced), so the ancestor its caller records next never holds a landing that a
//     power cut can undo. Durability costs what the cycle wrote: its own files and
//     directories, and one sync of the whole file system only past syncDirsMax
//     directories or stage's syncEachMax files (see durable.go).
//   - Paths are resolved without following symbolic links in parent directories: a
//     parent that is not a real directory stops the change.
//   - Untracked content is never removed.
//   - What is removed or overwritten is first kept in the side's trash (package trash);
//     if it cannot be kept, it is not removed.
//   - A Transitioner is used by one goroutine at a time.
package transition
