#!/usr/bin/env bash
# run-pipeline.sh — what `make run` and `make replay` do once perpd is
# built: find the database, migrate it, run the pipeline.
#
#   scripts/run-pipeline.sh PERPD CONFIG PG_DIR       (make: PG_DIR=var/pg)
#
# With DATABASE_URL set, that server is used as it is: nothing is started.
# Without it, the private cluster in PG_DIR (scripts/pg-cluster.sh: initdb
# the first time, as the postgres user when run as root; its Unix socket
# in PG_DIR, no TCP listener) is started, or reused when it
# runs already, and its URL becomes DATABASE_URL for perpd: the pipeline's
# postgres sink and dashboard read it. `make stop` stops the cluster.
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: run-pipeline.sh PERPD CONFIG PG_DIR" >&2; exit 2; }
perpd=$1
config=$2
pgdir=$3
here=$(cd "$(dirname "$0")" && pwd)

if [ -n "${DATABASE_URL:-}" ]; then
  echo "perpd: database from DATABASE_URL; no private cluster started"
else
  out=$("$here/pg-cluster.sh" start "$pgdir" --tell)
  DATABASE_URL=${out%%$'\n'*}
  state=${out##*$'\n'}
  [ "$state" = running ] && state="running already: reused"
  export DATABASE_URL
  echo "perpd: PostgreSQL in $pgdir $state ($DATABASE_URL; make stop stops it)"
fi
"$perpd" migrate
exec "$perpd" run "$config"
