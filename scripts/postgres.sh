#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster and makes sure the test role and database exist.
# Prints the Npgsql connection string.
set -euo pipefail
ver=15
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$ver main"; then
  pg_createcluster "$ver" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v=$ver '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$ver" main start
fi
for i in $(seq 1 30); do
  su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='am'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"create role am login password 'am' createdb\"" >/dev/null
su postgres -c "psql -qtAc \"select 1 from pg_database where datname='am_test'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"create database am_test owner am\"" >/dev/null
echo "Host=127.0.0.1;Port=5432;Username=am;Password=am;Database=am_test"
