// Package scan reads a synchronization root from disk into a tree.
//
// A Scanner keeps the last tree it produced and a cache of file digests keyed by
// (path, size, mtime, ctime, inode, mode), so that unchanged files are never re-read.
// After a first full scan, Rescan re-reads only the paths a watcher reported, reusing the
// rest of the previous tree.
//
// Invariants:
//   - A scan never writes under the root; the only file it writes is its cache.
//   - A file's digest is recorded in the cache only if the file's metadata was the same
//     before and after it was read, so a file written during a scan is never cached
//     with a digest of a torn read.
//   - Ignored paths, ferry's own temporary files, and (in ignore mode) symbolic links are
//     absent from the tree; sockets, devices, unreadable content and symbolic links the
//     symlink mode refuses appear as untracked entries, which are never synchronized.
//   - A Scanner is not safe for concurrent use; its owner serializes calls.
package scan
