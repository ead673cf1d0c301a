#!/usr/bin/env bash
# A private Redis server for trying and testing the redis sink: no system paths, no service.
#
#   scripts/services/redis.sh DIR [PORT]
#
# runs redis-server in the foreground (exec: the script's pid is the server's) on 127.0.0.1:PORT
# (default 16379) with its files in DIR, until it gets SIGTERM (it then writes what it holds) or
# SIGINT. Persistence is the append-only file, written every second and at shutdown: running the
# script again with the same DIR restarts the same data. Connect with `redis://127.0.0.1:PORT`.
set -euo pipefail

dir=${1:?usage: redis.sh DIR [PORT]}
port=${2:-16379}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

command -v redis-server >/dev/null || {
  echo 'redis-server not found: apt-get install -y redis-server' >&2
  exit 127
}

exec redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize no --save '' \
  --appendonly yes --appendfsync everysec --logfile "$dir/redis.log"
