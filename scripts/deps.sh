#!/usr/bin/env bash
# Installs what ActorMigration needs on Debian 12, only what is missing. Idempotent.
# Usage: scripts/deps.sh [demo|test]
set -euo pipefail
mode="${1:-test}"

need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
want() { have "$1" || need+=("$1"); }

want qemu-system-x86
want qemu-utils
want busybox-static
want linux-image-amd64
want iproute2
want conntrack
want ovmf
want swtpm
want swtpm-tools
want genisoimage
# bootable test-guest disks (scripts/build-guest-image.sh)
for p in fdisk dosfstools mtools syslinux syslinux-efi syslinux-common; do want "$p"; done
want zstd  # vzdump compress=zstd
if [ "$mode" = test ]; then
  want nftables
  want postgresql
  want python3-proxmoxer  # the compat tests drive the API with the real client
  want ansible            # the compat tests run community.general's Proxmox modules (tests/fixtures/ansible)
  want docker-compose     # make compose-check validates docker-compose.yml with it
  want python3-prometheus-client  # the metrics tests parse /metrics with its text-format parser
fi

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${need[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "the .NET 10 SDK (dotnet) is required" >&2
  exit 1
fi
