#!/usr/bin/env bash
# Runs every benchmark binary and prints its figures, with the CPU named.
set -uo pipefail
cd "$(dirname "$0")/.."
B="${1:-build}"
export PERP_BUILD_DIR="$B"
export PERP_SHARED="${PERP_SHARED:-$(cd .. && pwd)/shared}"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "CPU: ${cpu:-unknown} ($(nproc) cores)"
rc=0
for b in $(find "$B/bench" -type f -perm -u+x 2>/dev/null | sort); do
  echo "== $(basename "$b")"
  "$b" || rc=1
done
exit $rc
