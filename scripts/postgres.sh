#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster and makes sure the test role and database exist.
# Prints the Npgsql connection string.
set -euo pipefail
ver=15
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$ver main"; then
  pg_createcluster "$ver" main >&2
fi
online() { pg_lsclusters -h | awk -v v=$ver '$1==v && $2=="main" {print $4}' | grep -q online; }
# A postmaster killed hard leaves its socket lock behind; drop it once its pid is gone (or a zombie).
drop_stale_locks() {
  for lock in /var/run/postgresql/.s.PGSQL.*.lock; do
    [ -f "$lock" ] || continue
    pid=$(head -1 "$lock" 2>/dev/null || true)
    state=$(ps -o stat= -p "${pid:-0}" 2>/dev/null || true)
    case "$state" in ""|Z*) rm -f "$lock" ;; esac
  done
}
for attempt in 1 2 3; do
  online && break
  drop_stale_locks
  # stdout is the caller's $(...): keep pg_ctlcluster's chatter ("removed stale pid file.") off it.
  pg_ctlcluster "$ver" main start >&2 && break
  sleep 2
done
online || { echo "postgres.sh: PostgreSQL $ver did not start" >&2; exit 1; }
for i in $(seq 1 30); do
  su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='am'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"create role am login password 'am' createdb\"" >/dev/null
su postgres -c "psql -qtAc \"select 1 from pg_database where datname='am_test'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"create database am_test owner am\"" >/dev/null
echo "Host=127.0.0.1;Port=5432;Username=am;Password=am;Database=am_test"
