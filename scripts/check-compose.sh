#!/usr/bin/env bash
# Validates docker-compose.yml with Debian's docker-compose (1.29, `config`: unknown keys, undefined services,
# volumes or networks fail) and then checks the cluster layout the file must keep: every member mounts the one
# 'shared' volume at /data/shared (storage.cfg's shared storage), reads the one admin token, has a data volume of
# its own, hosts its own nodes, and lists every member as a seed.
#   scripts/check-compose.sh [compose-file]     check a file (default: docker-compose.yml)
#   scripts/check-compose.sh --self-test        also prove that broken copies of the file are refused
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

check() {
    local file="$1" resolved
    resolved="$(docker-compose -f "$file" config)" || { echo "check-compose: docker-compose config refused $file" >&2; return 1; }
    python3 -c "$layout" <<<"$resolved"
}

layout="$(cat <<'PY'
import sys, yaml
doc = yaml.safe_load(sys.stdin)
services, errors = doc["services"], []
members = {n: s for n, s in services.items() if s.get("build", {}).get("dockerfile") == "docker/Dockerfile"}
if len(members) < 3:
    errors.append(f"expected at least 3 members built from docker/Dockerfile, found {sorted(members)}")
secret = doc.get("secrets", {}).get("admin_token", {})
if not secret.get("file"):
    errors.append("top-level secret admin_token must name a file")
env = {n: s.get("environment", {}) for n, s in members.items()}
seeds_wanted = {f"@{e.get('AM_AKKA_HOST')}:{e.get('AM_AKKA_PORT')}" for e in env.values()}
cluster_nodes = None
hosted, data_sources = [], []
for name, s in members.items():
    mounts = {}
    for v in s.get("volumes", []):  # 'source:target[:mode]' (what docker-compose 1.29 prints) or the long syntax
        if isinstance(v, str):
            parts = v.split(":")
            v = {"source": parts[0], "target": parts[1]} if len(parts) > 1 else {"target": parts[0]}
        if not v.get("source", "/").startswith(("/", ".")):
            mounts[v["target"]] = v
    shared = mounts.get("/data/shared")
    if not shared or shared.get("source") != "shared":
        errors.append(f"{name}: the volume shared must be mounted at /data/shared")
    data = mounts.get("/data")
    if not data:
        errors.append(f"{name}: no volume at /data")
    else:
        data_sources.append(data["source"])
    if not any(x.get("source") == "admin_token" and x.get("target") == "/data/admin.token" for x in s.get("secrets", [])):
        errors.append(f"{name}: secret admin_token must be mounted at /data/admin.token")
    e = env[name]
    seeds = [x.strip() for x in e.get("AM_SEED_NODES", "").split(",") if x.strip()]
    missing = [w for w in seeds_wanted if not any(x.endswith(w) for x in seeds)]
    if missing:
        errors.append(f"{name}: AM_SEED_NODES lacks {missing}")
    nodes = [x for x in e.get("AM_NODES", "").split(",") if x]
    if not nodes:
        errors.append(f"{name}: AM_NODES is empty")
    hosted += nodes
    cn = e.get("AM_CLUSTER_NODES")
    if cluster_nodes is None:
        cluster_nodes = cn
    elif cn != cluster_nodes:
        errors.append(f"{name}: AM_CLUSTER_NODES {cn} differs from {cluster_nodes}")
if len(set(data_sources)) != len(data_sources):
    errors.append(f"members share a data volume: {data_sources}")
if len(set(hosted)) != len(hosted) or sorted(hosted) != sorted((cluster_nodes or "").split(",")):
    errors.append(f"hosted nodes {hosted} must be AM_CLUSTER_NODES {cluster_nodes}, each once")
for e in errors:
    print("check-compose:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
)"

# A broken copy must be refused: mutate the file with sed, expect failure.
refuses() {
    local what="$1" expr="$2" tmp
    tmp="$(mktemp -d)"
    cp -r "$repo/docker" "$tmp/"
    sed "$expr" "$repo/docker-compose.yml" > "$tmp/docker-compose.yml"
    if cmp -s "$repo/docker-compose.yml" "$tmp/docker-compose.yml"; then
        echo "check-compose: self-test '$what' changed nothing" >&2; rm -rf "$tmp"; return 1
    fi
    local why
    if why="$(check "$tmp/docker-compose.yml" 2>&1)"; then
        echo "check-compose: self-test '$what' was accepted" >&2; rm -rf "$tmp"; return 1
    fi
    rm -rf "$tmp"
    echo "check-compose: refused $what: $(grep -v '^check-compose: docker-compose config refused' <<<"$why" | tail -n1)"
}

if [[ "${1:-}" == --self-test ]]; then
    check "$repo/docker-compose.yml"
    refuses "an unknown key" 's/^  member3:/  member3:\n    restrat: always/'
    refuses "an undefined service" 's/depends_on: \[postgres\]/depends_on: [postgress]/'
    refuses "a member without the shared volume" 's/data3:\/data, shared:\/data\/shared, /data3:\/data, /'
    refuses "a member without the admin token" '/target: \/data\/admin.token/s/admin.token/other.token/'
    refuses "a missing seed" 's/,akka.ssl.tcp:\/\/actormigration@member3:4053//'
    refuses "two members on one data volume" 's/data3:\/data,/data2:\/data,/'
    echo "check-compose: docker-compose.yml valid, 6 broken copies refused"
else
    check "${1:-$repo/docker-compose.yml}"
    echo "check-compose: ${1:-docker-compose.yml} valid"
fi
