#!/usr/bin/env bash
# Runs every benchmark binary and prints its figures, with the CPU named.
set -uo pipefail
cd "$(dirname "$0")/.."
B="${1:-build}"
export PERP_BUILD_DIR="$B"
export PERP_SHARED="${PERP_SHARED:-$(cd .. && pwd)/shared}"
# The CPU as lscpu names it (absolute figures differ by CPU generation;
# each bench also prints in-run references and ratios that do not).
if command -v lscpu >/dev/null 2>&1; then
  cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
  fam=$(lscpu | sed -n 's/^CPU family: *//p' | head -n 1)
  model=$(lscpu | sed -n 's/^Model: *//p' | head -n 1)
  avx512=$(lscpu | grep -q 'avx512f' && echo yes || echo no)
  echo "CPU: ${cpu:-unknown} (lscpu: family ${fam:-?} model ${model:-?}, AVX-512 ${avx512}, $(nproc) cores)"
else
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
  echo "CPU: ${cpu:-unknown} ($(nproc) cores)"
fi
rc=0
for b in $(find "$B/bench" -type f -perm -u+x 2>/dev/null | sort); do
  echo "== $(basename "$b")"
  "$b" || rc=1
done
echo "== dashboard (wrk)"
scripts/bench-dashboard.sh "$B" || rc=1
exit $rc
