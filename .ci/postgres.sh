#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on loopback and print its URL.
# Usage: .ci/postgres.sh [DATADIR] [PORT]   (installs Debian's postgresql if absent)
set -euo pipefail
datadir=${1:-/tmp/edc-ci-pg}
port=${2:-54329}
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  echo "installing PostgreSQL (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
fi
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -f "$datadir/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
  echo "postgresql://edc@127.0.0.1:$port/postgres"; exit 0
fi
rm -rf "$datadir"; mkdir -p "$datadir"
[ "$(id -u)" = 0 ] && chown postgres "$datadir"
as_pg "$bindir/initdb" -D "$datadir" -U edc --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$bindir/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$datadir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
echo "postgresql://edc@127.0.0.1:$port/postgres"
