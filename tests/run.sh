#!/usr/bin/env bash
# Runs every test binary of each build dir given (plain, then sanitized),
# and closes with one line: "tests: N passed, N failed" and the minutes.
# Each binary sees PERP_BUILD_DIR (where perpd and the plugins are) and
# PERP_SHARED (the ../shared folder with history, vectors, protocols).
set -uo pipefail
cd "$(dirname "$0")/.."

export PERP_SHARED="${PERP_SHARED:-$(cd .. && pwd)/shared}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

passed=0
failed=0
failures=()
for dir in "$@"; do
  export PERP_BUILD_DIR="$dir"
  for t in $(find "$dir/tests" -type f -perm -u+x 2>/dev/null | sort); do
    log="$(mktemp)"
    start=$SECONDS
    timeout 600 "$t" --jobs 2 >"$log" 2>&1
    rc=$?
    # The time beside each binary: where make test's minutes go.
    echo "== $t ($((SECONDS - start)) s)"
    grep -E '^\[(====|----|FAIL)\]|Assertion|error:|ERROR' "$log" | tail -n 40
    syn=$(grep -a 'Synthesis:' "$log" | tail -n 1)
    if [ -n "$syn" ]; then
      p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$syn")
      f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$syn")
      c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$syn")
      passed=$((passed + p))
      # Criterion counts a crashed test under Failing too.
      failed=$((failed + f))
      if [ "$f" -gt 0 ] || [ "$c" -gt 0 ] || [ $rc -ne 0 ]; then
        failures+=("$t (exit $rc)")
        [ "$f" -eq 0 ] && failed=$((failed + 1))
        tail -n 60 "$log"
      fi
    else
      failed=$((failed + 1))
      failures+=("$t (no summary, exit $rc)")
      tail -n 60 "$log"
    fi
    rm -f "$log"
  done
done

for f in "${failures[@]+"${failures[@]}"}"; do echo "FAILED: $f"; done
echo "tests: $passed passed, $failed failed ($((SECONDS / 60)) min $((SECONDS % 60)) s running)"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
