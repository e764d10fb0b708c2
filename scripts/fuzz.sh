#!/usr/bin/env bash
# Runs libFuzzer targets one after the other and prints a line per target:
# executions, edge coverage (cov), features (ft), corpus size, crashes.
#   scripts/fuzz.sh FUZZ_DIR SECONDS NAME...      (make fuzz SECONDS=N)
#   FUZZ_RUNS=10000000 scripts/fuzz.sh build/fuzz 0 config ...
# SECONDS 0 means no time limit (FUZZ_RUNS then bounds each run). Each
# target starts from its seeds (tests/fuzz/corpus/NAME) and what earlier
# runs found (var/fuzz/NAME, where new inputs go); a crash, leak or
# timeout leaves its input in var/fuzz/NAME-artifacts/ — copy it into the
# seed folder as regress-<what> once fixed, so the normal suite runs it.
# Exit status 1 if any target failed.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=$1 secs=$2
shift 2
runs=${FUZZ_RUNS:--1}
failed=0
printf '%-18s %12s %8s %8s %7s %6s %s\n' target executions cov ft corpus secs result
for name in "$@"; do
  bin="$dir/fuzz_$name"
  seeds="tests/fuzz/corpus/$name"
  work="var/fuzz/$name"
  art="var/fuzz/$name-artifacts/"
  mkdir -p "$work" "$art"
  log="var/fuzz/$name.log"
  args=(-runs="$runs" -artifact_prefix="$art" -print_final_stats=1
        -rss_limit_mb=2048 -timeout=30)
  [ "$secs" -gt 0 ] && args+=(-max_total_time="$secs")
  start=$(date +%s)
  "$bin" "${args[@]}" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  if [ $rc -eq 0 ]; then result=ok; else result="FAILED (exit $rc, see $log)"; failed=1; fi
  printf '%-18s %12s %8s %8s %7s %6s %s\n' "$name" "${execs:-?}" "${cov:-?}" \
    "${ft:-?}" "${corp:-?}" "$took" "$result"
  [ $rc -ne 0 ] && grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5
done
exit $failed
