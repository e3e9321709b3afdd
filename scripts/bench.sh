#!/usr/bin/env bash
# Runs ferry's benchmarks (make bench, after make build): installs the tools ferry is
# compared against when they are missing (rsync, unison, zstd, OpenSSH server and client),
# then runs bench/cmd/ferrybench, which prints the table and writes bench/RESULTS.md.
#   BENCH_QUICK=1    a small version of every workload, under two minutes (CI)
#   BENCH_PROFILE=1  CPU and heap profiles of ferry's daemon and agent per workload,
#                    in bench/profiles/
#   BENCH_REPS=N     repetitions per tool (default 3; quick: 1)
#   BENCH_ONLY=W1,W5 only these workloads
#   BENCH_LINK=wan   every tool reaches sshd through the link simulator with this
#                    profile (lan, wan, far); results in bench/RESULTS-wan.md
#   BENCH_SCALE=N    files in the full run's scale case (SCALE; default 1,000,000)
#   BENCH_W1=ab      only these of W1's (and W2's) trees: a Go src, b small files, c big
#   BENCH_CACHE=DIR  where generated trees are kept between runs (~/.cache/ferrybench)
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v rsync >/dev/null || need+=(rsync)
command -v unison >/dev/null || need+=(unison)
command -v zstd >/dev/null || need+=(zstd)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "bench: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
    exit 1
  fi
  echo "bench: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

exec go run ./bench/cmd/ferrybench "$@"
