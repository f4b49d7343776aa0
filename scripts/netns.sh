#!/usr/bin/env bash
# Machine preparation for the conntrack driver and its namespace tests.
#   scripts/netns.sh prepare   install conntrack, iproute2, nftables (Debian), load nf_conntrack, then check
#   scripts/netns.sh check     prove that namespaces + conntrack insert/list/delete work here
#   scripts/netns.sh cleanup   delete test namespaces (amct-<pid>-…) left by dead test processes
set -euo pipefail

PREFIX=amct-

need_root() {
    [ "$(id -u)" -eq 0 ] || { echo "netns.sh: must run as root" >&2; exit 1; }
}

prepare() {
    need_root
    local missing=()
    command -v conntrack >/dev/null || missing+=(conntrack)
    command -v ip >/dev/null || missing+=(iproute2)
    command -v nft >/dev/null || missing+=(nftables)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "netns.sh: installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    # built into some kernels; a module on stock Debian/Proxmox kernels
    modprobe nf_conntrack 2>/dev/null || true
    check
}

check() {
    need_root
    local version
    version=$(conntrack --version 2>&1 | sed -n 's/^conntrack v\([0-9.]*\).*/\1/p')
    [ -n "$version" ] || { echo "netns.sh: conntrack not found" >&2; exit 1; }
    # -o save and --load-file need conntrack-tools >= 1.4.6
    if [ "$(printf '%s\n1.4.6\n' "$version" | sort -V | head -n1)" != "1.4.6" ]; then
        echo "netns.sh: conntrack $version is older than 1.4.6" >&2; exit 1
    fi
    command -v nft >/dev/null || { echo "netns.sh: nft not found (apt-get install nftables)" >&2; exit 1; }

    CHECK_NS="${PREFIX}$$-check"
    trap 'ip netns del "$CHECK_NS" 2>/dev/null || true' EXIT
    local ns=$CHECK_NS
    ip netns add "$ns"
    ip netns exec "$ns" conntrack -I -p tcp -s 192.0.2.1 -d 198.51.100.1 --sport 1 --dport 2 \
        --state ESTABLISHED -u SEEN_REPLY,ASSURED -t 60 -m 100 2>/dev/null
    ip netns exec "$ns" conntrack -L -m 100 -o save 2>/dev/null | grep -q -- '--state ESTABLISHED' \
        || { echo "netns.sh: conntrack entry not listed" >&2; exit 1; }
    ip netns exec "$ns" conntrack -D -m 100 >/dev/null 2>&1
    echo 'table inet t { chain c { type filter hook output priority 0; ct mark set 1; }; }' \
        | ip netns exec "$ns" nft -f -
    echo "netns.sh: ok (conntrack $version, $(nft --version), kernel $(uname -r))"
}

cleanup() {
    need_root
    [ -d /run/netns ] || return 0
    local name pid
    for path in /run/netns/"$PREFIX"*; do
        [ -e "$path" ] || continue
        name=$(basename "$path")
        pid=${name#"$PREFIX"}; pid=${pid%%-*}
        if [ "${1:-}" = "--all" ] || ! [ -d "/proc/$pid" ]; then
            ip netns del "$name" && echo "deleted $name"
        fi
    done
}

case "${1:-check}" in
    prepare) prepare ;;
    check) check ;;
    cleanup) shift; cleanup "$@" ;;
    *) echo "usage: $0 prepare|check|cleanup [--all]" >&2; exit 2 ;;
esac
