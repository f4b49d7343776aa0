#!/bin/sh
# The 'postgres:15' service of the offline compose test (tests/docker/compose-cluster.sh): this host's PostgreSQL 15
# on the test's Debian root. Honours what docker-compose.yml sets (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB).
set -eu
bin=/usr/lib/postgresql/15/bin
data=/var/lib/postgresql/data
id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
mkdir -p "$data" /run/postgresql
chown postgres "$data" /run/postgresql
as_pg() { setpriv --reuid postgres --regid postgres --init-groups "$@"; }
if [ ! -s "$data/PG_VERSION" ]; then
    pw="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pw"
    chown postgres "$pw"
    as_pg "$bin/initdb" -D "$data" -U "$POSTGRES_USER" --pwfile="$pw" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pw"
    echo "host all all all scram-sha-256" >> "$data/pg_hba.conf"
    # A single-user backend runs as the bootstrap superuser ($POSTGRES_USER).
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" | as_pg "$bin/postgres" --single -D "$data" postgres >/dev/null
fi
exec setpriv --reuid postgres --regid postgres --init-groups "$bin/postgres" -D "$data" -c listen_addresses='*'
