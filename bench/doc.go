// Package bench is ferry's benchmark harness (issue 6). It runs the workloads W1-W7
// for ferry and the tools it is measured against (rsync -a and -az, unison, tar |
// ssh | tar, tar | zstd | ssh and ssh -L) over one throwaway sshd on 127.0.0.1,
// optionally through a simulated link (BENCH_LINK: Link, Proxy), and renders the
// table that `make bench` prints and writes to bench/RESULTS.md. The program is bench/cmd/ferrybench;
// BenchmarkForwardThroughput and BenchmarkForwardConnect are its `go test -bench`
// counterparts for forwarding. A full run ends with SCALE (scaleCase): W1, W2, W3 and
// W6 on one session over a generated tree of Settings.Scale files (BENCH_SCALE,
// default 1,000,000, 50 per directory), with the first edit after the initial sync
// reported apart from the later ones, the daemon's and the agent's RSS per entry
// (VmRSS after idling, VmHWM) and the time a restarted daemon takes to watch again.
// Its tree is kept in Settings.CacheDir between runs (cachedGenerated).
//
// Invariants:
//
//   - Every figure comes from a run in this invocation: nothing is carried over,
//     estimated or filled in. A tool that fails shows its error instead of a number.
//   - Every tool runs over the same sshd and the same client files (sshdtest), and
//     writes only under the harness's RemoteHome, a temp dir: never a real home.
//   - ferry is driven as a user drives it: the real binaries (copied once, so a
//     concurrent `make build` cannot swap them mid-run), `ferry daemon run` started by
//     the harness with a temp FERRY_DATA_DIR, and the CLI. The harness links no engine
//     package; it reads the API's JSON types from protocol.
//   - Generated trees come from fixed seeds: two runs compare like with like. A tree
//     kept between runs is reused only while its manifest names the same spec and
//     generator version; the manifest is removed before its files are edited and
//     written again once they are restored, so an interrupted run leaves a tree that
//     the next one regenerates.
//   - Over a link, every tool goes through the same simulator (Env.Host names the
//     alias that reaches it), and each table records the link it was measured over.
//     The simulator keeps each connection's bytes in order, never releases a byte
//     before its arrival plus the delay nor faster than the rate, and holds a
//     bounded number of bytes per direction (queueLimit).
//   - A copy counts only once verified: the remote tree holds as many files and bytes
//     as the source (W1), the remote content equals the edit (W3, W7), the remote file's
//     digest matches (W4), the bytes arrived (W5).
package bench
