#!/usr/bin/env bash
# The three-member docker-compose cluster for real, offline: Debian's docker.io engine, images built from
# docker/Dockerfile on locally made base images, docker-compose.yml as it is (plus an override that only points the
# build at those bases and picks the simulated driver), then a VM on the shared storage is created on node1 through
# member1, migrated online to node2 through member3 with the same token, and its disk is checked in the shared
# volume from member2. Exits 0 only if all of that held.
#
# No registry is reachable, so the bases are made here and cached in $work: a Debian 12 root (debootstrap from
# Debian's archive) with the packages the Dockerfile wants, plus this host's .NET SDK and NuGet cache for the build
# stage, plus this host's PostgreSQL 15 binaries for the 'postgres:15' service.
#
# The host's network is never touched: dockerd runs in a network namespace of its own (unshare -n) with
# --bridge=none --iptables=false, so compose's bridge network and the published ports live only there; curl reaches
# them with nsenter. dockerd is stopped, and the project's containers and volumes removed, on exit.
#   tests/docker/compose-cluster.sh        (root; installs docker.io, docker-compose, debootstrap when missing)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${AM_DOCKER_WORK:-$repo/.build/docker}"
project=amdockertest
log() { echo "compose-cluster: $*" >&2; }

need=()
for p in docker.io docker-compose debootstrap curl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if ((${#need[@]})); then
    log "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
mkdir -p "$work"
run="$(mktemp -d)"

# --- the engine, in a network namespace of its own ---------------------------------------------------------------
sock="$run/docker.sock"
unshare -n sh -c "ip link set lo up && exec dockerd --data-root '$work/engine' --exec-root '$run/exec' \
    --pidfile '$run/dockerd.pid' -H 'unix://$sock' --bridge=none --iptables=false --ip-masq=false" \
    > "$run/dockerd.log" 2>&1 &
export DOCKER_HOST="unix://$sock" COMPOSE_PROJECT_NAME=$project
docker() { /usr/bin/docker "$@"; }
compose() { docker-compose -f "$repo/docker-compose.yml" -f "$run/override.yml" "$@"; }
in_ns() { nsenter -t "$(cat "$run/dockerd.pid")" -n "$@"; }
cleanup() {
    local rc=$?
    if [[ -S "$sock" ]]; then
        ((rc == 0)) || { compose ps >&2 || true; compose logs --tail=40 >&2 || true; }
        compose down -v --remove-orphans >/dev/null 2>&1 || true
    fi
    if [[ -f "$run/dockerd.pid" ]]; then
        local pid; pid="$(cat "$run/dockerd.pid")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    ((rc == 0)) || tail -n 20 "$run/dockerd.log" >&2
    # dockerd leaves its network namespace file bind-mounted in the exec root.
    { findmnt -rn -o TARGET | grep -E "^($run|$work/engine)/" | sort -r | xargs -r umount -l; } || true
    rm -rf "$run"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
for _ in $(seq 1 60); do [[ -S "$sock" ]] && docker info >/dev/null 2>&1 && break; sleep 0.5; done
docker info >/dev/null || { log "dockerd did not start"; exit 1; }
log "dockerd $(docker version -f '{{.Server.Version}}') up in its own network namespace"

# --- base images, made locally ------------------------------------------------------------------------------------
pkgs=ca-certificates,libicu72,libssl3,tzdata,qemu-system-x86,qemu-utils,conntrack,iproute2,busybox-static
pkgs+=,linux-image-amd64,cpio,gzip,zstd,libxml2,libldap-2.5-0,libgssapi-krb5-2,liblz4-1,libzstd1,libsystemd0,libpq5
rootfs="$work/rootfs"
if [[ ! -f "$rootfs/.complete" ]]; then
    log "debootstrap Debian 12 with the Dockerfile's packages (once, cached in $rootfs)"
    rm -rf "$rootfs"
    debootstrap --variant=minbase --include="$pkgs" bookworm "$rootfs" http://deb.debian.org/debian >"$run/debootstrap.log" 2>&1 ||
        { tail -n 20 "$run/debootstrap.log" >&2; exit 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/boot/initrd.img-*
    touch "$rootfs/.complete"
fi
# import <tag> <extra dir or ""> [docker import options]: the root plus extra files, imported as one layer.
import() {
    local tag="$1" extra="$2"; shift 2
    docker image inspect "$tag" >/dev/null 2>&1 && return 0
    log "importing $tag"
    local tree="$run/tree-${tag//[\/:]/_}"
    cp -al "$rootfs" "$tree"
    # Hard links, never written through: an extra file replaces (--remove-destination) the cached one.
    [[ -z "$extra" ]] || cp -al --remove-destination "$extra/." "$tree/"
    tar -C "$tree" --exclude=./.complete -c . | docker import "$@" - "$tag" >/dev/null
    rm -rf "$tree"
}
import am-test/debian:bookworm-slim ""
sdk="$run/sdk"
mkdir -p "$sdk/usr/share" "$sdk/usr/bin" "$sdk/root/.nuget"
cp -al /usr/share/dotnet "$sdk/usr/share/dotnet" 2>/dev/null || cp -a /usr/share/dotnet "$sdk/usr/share/dotnet"
ln -s /usr/share/dotnet/dotnet "$sdk/usr/bin/dotnet"
ln -s /nuget "$sdk/root/.nuget/packages"
cp -al "$HOME/.nuget/packages" "$sdk/nuget" 2>/dev/null || cp -a "$HOME/.nuget/packages" "$sdk/nuget"
# Offline: restore finds every locked package in the cache; the audit (a network query) is off in this image only.
import am-test/dotnet-sdk:10.0 "$sdk" -c 'ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 NuGetAudit=false'
pg="$run/pg"
mkdir -p "$pg/usr/lib/postgresql" "$pg/usr/share/postgresql" "$pg/usr/local/bin"
cp -a /usr/lib/postgresql/15 "$pg/usr/lib/postgresql/"
cp -a /usr/share/postgresql/15 "$pg/usr/share/postgresql/"
install -m 0755 "$repo/tests/docker/postgres-entrypoint.sh" "$pg/usr/local/bin/docker-entrypoint.sh"
import postgres:15 "$pg" -c 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]'

# --- the cluster --------------------------------------------------------------------------------------------------
(umask 077; printf 'root@pam!admin=%s\n' "$(cat /proc/sys/kernel/random/uuid)" > "$run/admin.token")
cat > "$run/override.yml" <<EOF
x-test: &test
  build:
    network: host
    args: {SDK_IMAGE: am-test/dotnet-sdk:10.0, ASPNET_IMAGE: am-test/dotnet-sdk:10.0, BASE_IMAGE: am-test/debian:bookworm-slim}
  environment: {AM_DRIVER: sim}
  # This machine's capability bounding set lacks CAP_SYS_RESOURCE, so a privileged container cannot start here
  # ("unable to apply caps: operation not permitted"); the simulated driver needs no privilege.
  privileged: false
services:
  member1: *test
  member2: *test
  member3: *test
secrets:
  admin_token:
    file: $run/admin.token
EOF
log "building the member image from docker/Dockerfile"
compose build >"$run/build.log" 2>&1 || { tail -n 40 "$run/build.log" >&2; exit 1; }
compose up -d
token="$(cat "$run/admin.token")"
api() { # api <port> <method> <path> [curl args]: the JSON data of a call to member on <port>
    local port="$1" method="$2" path="$3"; shift 3
    in_ns curl -sk --fail-with-body -X "$method" -H "Authorization: PVEAPIToken=$token" "$@" \
        "https://127.0.0.1:$port/api2/json$path"
}
nodes_online() { api "$1" GET /nodes 2>/dev/null | python3 -c 'import json,sys; print(sum(n["status"]=="online" for n in json.load(sys.stdin)["data"]))'; }
for port in 8006 8007 8008; do
    for i in $(seq 1 240); do
        [[ "$(nodes_online "$port" || true)" == 3 ]] && break
        ((i < 240)) || { log "member on :$port never saw 3 nodes online"; exit 1; }
        sleep 1
    done
    log "member on :$port: 3 nodes online, the one token accepted"
done

wait_task() { # wait_task <port> <node> <upid>: fails unless the task ends OK
    local status
    for _ in $(seq 1 180); do
        # A busy member may answer a poll with an error (a timed-out request): poll again.
        status="$(api "$1" GET "/nodes/$2/tasks/$3/status" |
            python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(d["status"], d.get("exitstatus",""))' || true)"
        [[ "$status" == stopped* ]] && break
        sleep 1
    done
    log "task $3: $status"
    [[ "$status" == "stopped OK" ]]
}
upid() { python3 -c 'import json,sys; print(json.load(sys.stdin)["data"])'; }

# Task status is read through member2: member1's GET .../tasks/{upid}/status timed out (16 s, every poll) in this
# cluster while members 2 and 3 answered it (see docs/docker.md).
up="$(api 8006 POST /nodes/node1/qemu --data-urlencode vmid=100 --data-urlencode memory=512 \
    --data-urlencode scsi0=shared:1 --data-urlencode name=compose | upid)"
wait_task 8007 node1 "$up"
up="$(api 8006 POST /nodes/node1/qemu/100/status/start | upid)"
wait_task 8007 node1 "$up"
up="$(api 8008 POST /nodes/node1/qemu/100/migrate --data-urlencode target=node2 --data-urlencode online=1 | upid)"
wait_task 8007 node1 "$up"
where="$(api 8007 GET /cluster/resources | python3 -c 'import json,sys; print([r["node"]+" "+r["status"] for r in json.load(sys.stdin)["data"] if r.get("vmid")==100][0])')"
log "VM 100 after the migration: $where"
[[ "$where" == "node2 running" ]]
disk="$(compose exec -T member2 sh -c 'ls /data/shared/images/100/')"
log "VM 100's disk in the shared volume, seen from member2: $disk"
[[ "$disk" == *vm-100-disk-0* ]]
echo "compose-cluster: 1 passed, 0 failed"
