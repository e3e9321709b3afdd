#!/usr/bin/env bash
# Installs what `make test` needs on a fresh machine of this kind: Go modules, and the
# Debian packages the end-to-end tests use. Idempotent and quiet when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."

go mod download

need=()
command -v rsync >/dev/null || need+=(rsync)
# The ignore tests compare with `git check-ignore`.
command -v git >/dev/null || need+=(git)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
# Login shells the remote tests use: ferry must not depend on a shell's syntax.
for sh in fish zsh tcsh; do command -v $sh >/dev/null || need+=($sh); done
# exFAT through FUSE on a loop device stands in for a case-insensitive side without
# POSIX modes or symbolic links (a USB drive, a Windows share).
command -v mkfs.exfat >/dev/null || need+=(exfatprogs)
command -v mount.exfat-fuse >/dev/null || need+=(exfat-fuse)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
