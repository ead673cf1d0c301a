#!/usr/bin/env bash
# A private PostgreSQL server for trying and testing the postgres sink: no system paths, no service.
#
#   scripts/services/postgres.sh DIR [PORT]
#
# makes a cluster in DIR/data once (initdb, trust authentication for local connections), then runs
# postgres in the foreground (exec: the script's pid is the server's) on 127.0.0.1:PORT (default
# 15432) until it gets SIGINT (fast shutdown: sessions are ended) or SIGTERM. fsync is off: the
# cluster is for tests. Running the script again with the same DIR restarts the same cluster. As
# root, the server runs as the `postgres` user (PostgreSQL refuses to run as root), which is given DIR;
# setpriv execs (runuser would stay its parent and keep the signals from it).
# Connect with `postgres://postgres@127.0.0.1:PORT/postgres`.
set -euo pipefail

dir=${1:?usage: postgres.sh DIR [PORT]}
port=${2:-15432}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/postgres" ]; then
  echo 'PostgreSQL not found: apt-get install -y postgresql' >&2
  exit 127
fi

as_owner=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as_owner=(setpriv --reuid=postgres --regid=postgres --init-groups)
fi

if [ ! -f "$dir/data/PG_VERSION" ]; then
  "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
fi

exec "${as_owner[@]}" "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir" \
  -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off
