#!/usr/bin/env bash
# make vsix / make vsix-TARGET / make vsix-all: package the VS Code extension.
#   scripts/extension-vsix.sh               ferry-<version>.vsix, for every platform: it
#                                           finds ferry on the machine (ferry.path, PATH,
#                                           the usual places)
#   scripts/extension-vsix.sh TARGET...     ferry-<version>-<TARGET>.vsix each, the way
#                                           language-server extensions ship: the ferry
#                                           binary for TARGET in dist/bin/, with the agent
#                                           builds for every remote platform beside it
# TARGET is a VS Code platform: linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64.
# The bundle (dist/extension.js) must be built first (make extension-build); LDFLAGS
# comes from the Makefile, so the shipped binary carries the release like bin/ferry.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(node -p 'require("./package.json").version')
ldflags="${LDFLAGS:--s -w}"
vsce() { npx vsce package --no-dependencies --skip-license --readme-path extension/README.md "$@" >/dev/null; }

rm -rf dist/bin
if [ $# -eq 0 ]; then
  rm -f "ferry-$version.vsix"
  vsce -o "ferry-$version.vsix"
  echo "ferry-$version.vsix"
  exit 0
fi

agent_platforms="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64"
trap 'rm -rf dist/bin' EXIT
for target in "$@"; do
  case "$target" in
    linux-x64) goos=linux goarch=amd64 ;;
    linux-arm64) goos=linux goarch=arm64 ;;
    darwin-x64) goos=darwin goarch=amd64 ;;
    darwin-arm64) goos=darwin goarch=arm64 ;;
    win32-x64) goos=windows goarch=amd64 ;;
    *) echo "extension-vsix: unknown target $target (linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64)" >&2; exit 2 ;;
  esac
  exe=ferry
  [ "$goos" = windows ] && exe=ferry.exe
  rm -rf dist/bin
  mkdir -p dist/bin/agents
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build -trimpath -ldflags "$ldflags" -o "dist/bin/$exe" ./cmd/ferry
  for p in $agent_platforms; do
    os=${p%/*} arch=${p#*/}
    if [ -x "bin/agents/ferry-agent-$os-$arch" ]; then
      cp "bin/agents/ferry-agent-$os-$arch" dist/bin/agents/
    else
      CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags "$ldflags" -o "dist/bin/agents/ferry-agent-$os-$arch" ./cmd/ferry-agent
    fi
  done
  chmod 0755 dist/bin/$exe dist/bin/agents/*
  rm -f "ferry-$version-$target.vsix"
  vsce --target "$target" -o "ferry-$version-$target.vsix"
  echo "ferry-$version-$target.vsix"
done
