#!/usr/bin/env bash
# Builds the ActorMigration test guest: Debian kernel + busybox-static initramfs.
#   scripts/build-guest-image.sh [outdir]      (default: <repo>/.build/guest)
# Outputs: vmlinuz, initramfs.cpio.gz, cmdline, manifest.json, stamp.
# Cached: does nothing when the outputs exist and no input changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="${1:-$repo/.build/guest}"
guest="$here/guest"

log() { echo "build-guest-image: $*" >&2; }

# --- packages -------------------------------------------------------------
need_pkgs=()
# qemu-system-x86 and qemu-utils are not needed to build, but to run the guest (tests, CI).
for p in linux-image-amd64 busybox-static cpio gzip qemu-system-x86 qemu-utils; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        log "missing packages: ${need_pkgs[*]} (run as root or install them)"
        exit 1
    fi
    log "installing ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2 ||
        { apt-get update >&2 && apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2; }
fi

# --- inputs ---------------------------------------------------------------
kernel="$(ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n1 || true)"
[[ -n "$kernel" ]] || { log "no /boot/vmlinuz-*-amd64"; exit 1; }
kver="${kernel#/boot/vmlinuz-}"
moddir="/lib/modules/$kver"
[[ -f "$moddir/modules.dep" ]] || { log "no $moddir/modules.dep"; exit 1; }
busybox="$(command -v busybox || true)"
[[ -x /bin/busybox ]] && busybox=/bin/busybox
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
    { [[ -x /usr/bin/busybox ]] && busybox=/usr/bin/busybox; }

cmdline="console=ttyS0 quiet mitigations=off i8042.noaux tsc=reliable"

key="$( {
    echo "v1 $kver $cmdline"
    sha256sum "$kernel" "$busybox" "$moddir/modules.dep" "$0" \
        "$guest/init" "$guest/modules.txt" "$guest/acpid.conf" "$guest/power.sh" | cut -d' ' -f1
} | sha256sum | cut -d' ' -f1)"

if [[ -f "$out/stamp" && "$(cat "$out/stamp")" == "$key" && -f "$out/vmlinuz" && -f "$out/initramfs.cpio.gz" ]]; then
    log "up to date: $out"
    exit 0
fi

# --- module closure in load order (deps first) ----------------------------
declare -A dep_of=() seen=()
while IFS= read -r line; do
    mod="${line%%:*}"
    dep_of["$mod"]="${line#*:}"
done < "$moddir/modules.dep"

# Map a module name (virtio_blk or virtio-blk) to its path in modules.dep.
path_of() {
    local want="${1//-/_}" p base
    for p in "${!dep_of[@]}"; do
        base="${p##*/}"; base="${base%%.ko*}"; base="${base//-/_}"
        [[ "$base" == "$want" ]] && { echo "$p"; return 0; }
    done
    return 1
}

order=()
visit() {
    local p="$1" d
    [[ -n "${seen[$p]:-}" ]] && return 0
    seen["$p"]=1
    for d in ${dep_of[$p]}; do visit "$d"; done
    order+=("$p")
}

while IFS= read -r name; do
    name="${name%%#*}"; name="${name//[[:space:]]/}"
    [[ -z "$name" ]] && continue
    if grep -qE "/${name//_/[_-]}\.ko" "$moddir/modules.builtin" 2>/dev/null; then
        continue # built into the kernel
    fi
    p="$(path_of "$name")" || { log "module $name not found in $moddir"; exit 1; }
    visit "$p"
done < "$guest/modules.txt"

# --- initramfs tree -------------------------------------------------------
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc/acpi,lib/modules,mnt/disk,var/run,var/log}
cp "$busybox" "$root/bin/busybox"
for app in $("$busybox" --list); do
    [[ "$app" == busybox ]] && continue
    ln -sf busybox "$root/bin/$app"
done
install -m 0755 "$guest/init" "$root/init"
install -m 0644 "$guest/acpid.conf" "$root/etc/acpid.conf"
install -m 0755 "$guest/power.sh" "$root/etc/acpi/power.sh"

: > "$root/etc/modules"
for p in "${order[@]}"; do
    name="${p##*/}"
    case "$name" in
        *.ko) cp "$moddir/$p" "$root/lib/modules/$name" ;;
        *.ko.xz) xz -dc "$moddir/$p" > "$root/lib/modules/${name%.xz}"; name="${name%.xz}" ;;
        *.ko.zst) zstd -qdc "$moddir/$p" > "$root/lib/modules/${name%.zst}"; name="${name%.zst}" ;;
        *.ko.gz) gzip -dc "$moddir/$p" > "$root/lib/modules/${name%.gz}"; name="${name%.gz}" ;;
        *) log "unknown module file $p"; exit 1 ;;
    esac
    echo "$name" >> "$root/etc/modules"
done

mkdir -p "$out"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null --reproducible -o -H newc --quiet) |
    gzip -9n > "$work/initramfs.cpio.gz"
cp "$kernel" "$work/vmlinuz"
mv "$work/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
mv "$work/vmlinuz" "$out/vmlinuz"
echo "$cmdline" > "$out/cmdline"
mods_json="$(sed 's/.*/"&"/' "$root/etc/modules" | paste -sd, -)"
cat > "$out/manifest.json" <<EOF
{
  "kernelVersion": "$kver",
  "kernel": "$out/vmlinuz",
  "initrd": "$out/initramfs.cpio.gz",
  "cmdline": "$cmdline",
  "modules": [$mods_json]
}
EOF
echo "$key" > "$out/stamp"
log "built $out (kernel $kver, ${#order[@]} modules, initramfs $(stat -c %s "$out/initramfs.cpio.gz") bytes)"
