#!/usr/bin/env bash
# Writes migrations/NNNN_name.sql, in order, as a C table that
# sink-postgres compiles in (build/gen/migrations.inc), so an installed
# perpd carries the schema it was built for:
#   {1, "0001_records.sql", "-- ...\n" "...\n"},
set -euo pipefail
prev=0
for f in "$@"; do
  name=$(basename "$f")
  num=${name%%_*}
  if ! [[ "$num" =~ ^[0-9]{4}$ ]] || [[ "$name" != *.sql ]]; then
    echo "embed-migrations: $f: expected NNNN_name.sql" >&2
    exit 1
  fi
  n=$((10#$num))
  if [ "$n" -ne $((prev + 1)) ]; then
    echo "embed-migrations: $f: expected number $((prev + 1)) (no gaps, no repeats)" >&2
    exit 1
  fi
  prev=$n
  printf '{%d, "%s",\n' "$n" "$name"
  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/ "/' -e 's/$/\\n"/' "$f"
  printf '},\n'
done
