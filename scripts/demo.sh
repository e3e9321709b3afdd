#!/usr/bin/env bash
# make demo: sync a sample folder to a second local folder with ferry, show it converge
# with live status, and leave the session running for you to play with.
set -euo pipefail
cd "$(dirname "$0")/.."
ferry="$PWD/bin/ferry"
demo="${FERRY_DEMO_DIR:-/tmp/ferry-demo}"
alpha="$demo/alpha" beta="$demo/beta"

"$ferry" sync terminate demo >/dev/null 2>&1 || true
rm -rf "$demo"
mkdir -p "$alpha"

# The sample: this repository's own sources, plus a few larger files to show progress.
git ls-files -z | while IFS= read -r -d '' f; do
  mkdir -p "$alpha/src/$(dirname "$f")" && cp -p "$f" "$alpha/src/$f"
done
mkdir -p "$alpha/data"
for i in 1 2 3 4; do head -c $((8 << 20)) /dev/urandom > "$alpha/data/blob-$i.bin"; done
echo "Edit me on either side." > "$alpha/README.txt"
files=$(find "$alpha" -type f | wc -l)
echo "Sample folder: $alpha ($files files, $(du -sh "$alpha" | cut -f1))"
echo

"$ferry" sync create --name demo --paused "$alpha" "$beta"
"$ferry" sync monitor demo &
monitor=$!
trap 'kill $monitor 2>/dev/null || true' EXIT
"$ferry" sync resume demo >/dev/null
"$ferry" sync flush demo
sleep 0.2
kill $monitor 2>/dev/null || true
wait $monitor 2>/dev/null || true
echo

if diff -r "$alpha" "$beta" >/dev/null; then
  echo "Converged: $beta is identical to $alpha."
else
  echo "The folders differ; see \"$ferry sync list demo\"." >&2
  exit 1
fi
cat <<TXT

The session keeps running in the ferry daemon. Try:
  $ferry sync monitor demo                  # live status (Ctrl-C to stop)
  echo hello >> $beta/README.txt     # edit either side...
  cat $alpha/README.txt              # ...and it appears on the other
  $ferry sync list demo                     # state, conflicts, problems
  $ferry sync terminate demo                # stop syncing (files stay)
  $ferry daemon stop                        # stop the daemon
TXT
