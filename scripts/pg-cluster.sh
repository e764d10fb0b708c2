#!/usr/bin/env bash
# pg-cluster.sh — a private PostgreSQL cluster in one folder: data in
# DIR/data, the server's Unix socket in DIR itself, no TCP listener. Used
# by `make run`/`make replay`/`make stop` (DIR = var/pg), by the tests and
# by the benchmarks (temporary folders).
#
#   pg-cluster.sh start DIR [--test] [--password-file FILE] [--tell]
#       initdb when DIR/data is missing, start the server when it is not
#       running, create the database "perpd"; prints the connection URL
#       (postgresql://perp@/perpd?host=DIR; no password in it).
#       --tell: a second line, "started" or "running" (it ran already).
#       A server that runs already is taken as it is: the database was
#       made when this script started it (make replay's start-up is
#       counted in tens of milliseconds; a psql is 50 of them).
#       --test: a throwaway cluster (no fsync, small memory).
#       --password-file: the "perp" role gets this password and the socket
#       asks for it (scram-sha-256); default: local trust, and the socket
#       folder is readable by its owner alone.
#   pg-cluster.sh stop DIR        stop the server (no-op when stopped)
#   pg-cluster.sh status DIR      exit 0 running, 3 stopped
#   pg-cluster.sh url DIR         print the URL
#
# initdb refuses to run as root: as root the server runs as the `postgres`
# user, and DIR is owned by it (root still connects through the socket).
set -euo pipefail

die() { echo "pg-cluster: $*" >&2; exit 1; }

bindir() {
  local d
  local all=(/usr/lib/postgresql/*/bin)
  d=${all[-1]}
  [ ${#all[@]} -gt 1 ] && d=$(printf '%s\n' "${all[@]}" | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] ||
    die "no PostgreSQL server found (/usr/lib/postgresql/*/bin/initdb): install the 'postgresql' package (scripts/deps.sh does)"
  echo "$d"
}

# Runs a server program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: pg-cluster.sh start|stop|status|url DIR [--test] [--password-file FILE] [--tell]"
shift 2
test_mode=0
pwfile=""
tell=0
while [ $# -gt 0 ]; do
  case "$1" in
    --test) test_mode=1 ;;
    --tell) tell=1 ;;
    --password-file) pwfile=${2:?--password-file needs a file}; shift ;;
    *) die "unknown option $1" ;;
  esac
  shift
done

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[ ${#dir} -le 90 ] || die "$dir: too long a path for a Unix socket (at most 90 characters)"
url="postgresql://perp@/perpd?host=$dir"

running() {
  [ -f "$dir/data/postmaster.pid" ] && as_owner "$B/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

init_cluster() {
  local auth=(--auth=trust)
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' missing (the postgresql package creates it)"
    chown postgres "$dir"
    as_owner test -x "$dir" ||
      die "$dir: the postgres user cannot reach this folder (a parent folder is closed to others); set DATABASE_URL to use another server"
  fi
  chmod 700 "$dir"
  if [ -n "$pwfile" ]; then
    cp "$pwfile" "$dir/.pw" && chmod 600 "$dir/.pw"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir/.pw"
    auth=(--auth-local=scram-sha-256 --auth-host=scram-sha-256 --pwfile="$dir/.pw")
  fi
  local sync=()
  [ $test_mode -eq 1 ] && sync=(--no-sync)
  as_owner "$B/initdb" -D "$dir/data" -U perp -E UTF8 --locale=C.UTF-8 \
    "${auth[@]}" "${sync[@]}" >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  rm -f "$dir/.pw"
  {
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$dir'"
    echo "unix_socket_permissions = 0700"
    if [ $test_mode -eq 1 ]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
      echo "shared_buffers = 16MB"
      echo "max_connections = 40"
    fi
  } | as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
}

start() {
  [ -d "$dir/data" ] || init_cluster
  if running; then
    echo "$url"
    [ $tell -eq 1 ] && echo running
    return 0
  fi
  as_owner "$B/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
    { tail -n 20 "$dir/server.log" >&2 || true; die "the server in $dir did not start"; }
  local env=()
  if [ -n "$pwfile" ]; then
    env=(PGPASSWORD="$(cat "$pwfile")")
  fi
  local have
  have=$(env "${env[@]}" psql -X -A -t -h "$dir" -U perp -d postgres \
    -c "SELECT 1 FROM pg_database WHERE datname = 'perpd'") ||
    die "cannot reach the server in $dir"
  if [ "$have" != "1" ]; then
    env "${env[@]}" psql -X -q -h "$dir" -U perp -d postgres -c "CREATE DATABASE perpd" >/dev/null
  fi
  echo "$url"
  [ $tell -eq 1 ] && echo started
  return 0
}

B=$(bindir)
case "$cmd" in
  start) start ;;
  stop)
    if running; then
      as_owner "$B/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
    fi ;;
  status) running || exit 3 ;;
  url) echo "$url" ;;
  *) die "unknown command $cmd" ;;
esac
