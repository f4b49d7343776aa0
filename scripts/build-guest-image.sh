#!/usr/bin/env bash
# Builds the ActorMigration test guest: Debian kernel + busybox-static initramfs, and two bootable disks of them.
#   scripts/build-guest-image.sh [outdir]      (default: <repo>/.build/guest)
# Outputs: vmlinuz, initramfs.cpio.gz, cmdline, manifest.json, stamp, and
#   disk-bios.raw  64 MiB, dos label, bootable FAT partition with SYSLINUX (SeaBIOS)
#   disk-efi.raw   64 MiB, gpt label, EFI system partition with SYSLINUX.EFI as EFI/BOOT/BOOTX64.EFI (OVMF)
# No root and no loop mounts: the partition is a file built with mtools, then copied into the disk.
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
for p in linux-image-amd64 busybox-static cpio gzip qemu-system-x86 qemu-utils fdisk dosfstools mtools syslinux syslinux-efi \
    syslinux-common; do
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

# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can miss its ticks and panic at boot
# ("IO-APIC + timer doesn't work!"); virtual machines skip it, as cloud images do.
cmdline="console=ttyS0 quiet mitigations=off i8042.noaux tsc=reliable no_timer_check"
mbr_bin=/usr/lib/syslinux/mbr/mbr.bin
efi_bin=/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi
ldlinux_e64=/usr/lib/syslinux/modules/efi64/ldlinux.e64
syslinux_bin="$(command -v syslinux || echo /usr/bin/syslinux)"

key="$( {
    echo "v2 $kver $cmdline"
    sha256sum "$kernel" "$busybox" "$moddir/modules.dep" "$0" "$mbr_bin" "$efi_bin" "$ldlinux_e64" "$syslinux_bin" \
        "$guest/init" "$guest/modules.txt" "$guest/acpid.conf" "$guest/power.sh" | cut -d' ' -f1
} | sha256sum | cut -d' ' -f1)"

if [[ -f "$out/stamp" && "$(cat "$out/stamp")" == "$key" && -f "$out/vmlinuz" && -f "$out/initramfs.cpio.gz" &&
    -f "$out/disk-bios.raw" && -f "$out/disk-efi.raw" ]]; then
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

# --- bootable disks -------------------------------------------------------
# One 62 MiB FAT partition at sector 2048 of a 64 MiB disk (room for the backup GPT at the end).
part_start=2048
part_sectors=126976
disk_bytes=$((64 * 1024 * 1024))
printf 'DEFAULT am\nPROMPT 0\nTIMEOUT 0\nLABEL am\n  KERNEL vmlinuz\n  APPEND %s initrd=initrd.gz\n' "$cmdline" > "$work/syslinux.cfg"
export MTOOLS_SKIP_CHECK=1
new_part() { # <file>: an empty FAT file system of the partition's size
    rm -f "$1"
    mkfs.vfat -n AMGUEST -C "$1" $((part_sectors / 2)) >/dev/null
}
into_disk() { # <partition file> <disk file> <sfdisk script>
    truncate -s "$disk_bytes" "$2"
    echo "$3" | sfdisk -q "$2" >/dev/null
    dd if="$1" of="$2" bs=512 seek="$part_start" conv=notrunc status=none
}
# SeaBIOS: MBR boot code -> active partition -> SYSLINUX (ldlinux.sys in the FAT) -> kernel + initrd.
new_part "$work/bios-part.img"
mcopy -i "$work/bios-part.img" "$work/vmlinuz" ::/vmlinuz
mcopy -i "$work/bios-part.img" "$work/initramfs.cpio.gz" ::/initrd.gz
mcopy -i "$work/bios-part.img" "$work/syslinux.cfg" ::/syslinux.cfg
"$syslinux_bin" --install "$work/bios-part.img"
into_disk "$work/bios-part.img" "$work/disk-bios.raw" "label: dos
start=$part_start, size=$part_sectors, type=c, bootable"
dd if="$mbr_bin" of="$work/disk-bios.raw" bs=440 count=1 conv=notrunc status=none
# OVMF: EFI system partition with the removable-media path EFI/BOOT/BOOTX64.EFI = SYSLINUX.EFI.
new_part "$work/efi-part.img"
mmd -i "$work/efi-part.img" ::/EFI ::/EFI/BOOT
mcopy -i "$work/efi-part.img" "$efi_bin" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$work/efi-part.img" "$ldlinux_e64" ::/EFI/BOOT/ldlinux.e64
mcopy -i "$work/efi-part.img" "$work/vmlinuz" ::/EFI/BOOT/vmlinuz
mcopy -i "$work/efi-part.img" "$work/initramfs.cpio.gz" ::/EFI/BOOT/initrd.gz
mcopy -i "$work/efi-part.img" "$work/syslinux.cfg" ::/EFI/BOOT/syslinux.cfg
into_disk "$work/efi-part.img" "$work/disk-efi.raw" "label: gpt
start=$part_start, size=$part_sectors, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=ESP"

mv "$work/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
mv "$work/vmlinuz" "$out/vmlinuz"
mv "$work/disk-bios.raw" "$out/disk-bios.raw"
mv "$work/disk-efi.raw" "$out/disk-efi.raw"
echo "$cmdline" > "$out/cmdline"
mods_json="$(sed 's/.*/"&"/' "$root/etc/modules" | paste -sd, -)"
cat > "$out/manifest.json" <<EOF
{
  "kernelVersion": "$kver",
  "kernel": "$out/vmlinuz",
  "initrd": "$out/initramfs.cpio.gz",
  "cmdline": "$cmdline",
  "diskBios": "$out/disk-bios.raw",
  "diskEfi": "$out/disk-efi.raw",
  "bootloader": "syslinux $(dpkg-query -W -f='${Version}' syslinux 2>/dev/null || echo unknown)",
  "modules": [$mods_json]
}
EOF
echo "$key" > "$out/stamp"
log "built $out (kernel $kver, ${#order[@]} modules, initramfs $(stat -c %s "$out/initramfs.cpio.gz") bytes)"
