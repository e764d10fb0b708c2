#!/usr/bin/env bash
# bench-dashboard.sh BUILD_DIR — the dashboard under wrk (Debian package):
# a private PostgreSQL cluster (scripts/pg-cluster.sh) holding one version
# with 100,000 equity snapshots and 10,000 trades and round trips, served
# by `perpd serve`; wrk on loopback against the equity curve (500 points)
# and the round trips (50 rows), beside an in-run reference (a static file
# of the web UI through the same server) and the ratio to it; then the
# equity curve with the answer cache defeated (every request asks another
# point count, so each one reads the 100,000 snapshots). The load average
# is printed beside the figures: wrk and the server share the machine.
#
# PERP_BENCH_SECONDS (8), PERP_BENCH_SNAPSHOTS (100000) and
# PERP_BENCH_TRADES (10000) shrink it: tests/integration/
# test_bench_dashboard.c runs it small, so `make test` notices when it
# stops working (it judges no figure).
set -euo pipefail
cd "$(dirname "$0")/.."
B=$(cd "${1:-build}" && pwd)
DUR="${PERP_BENCH_SECONDS:-8}"
SNAPS="${PERP_BENCH_SNAPSHOTS:-100000}"
TRADES="${PERP_BENCH_TRADES:-10000}"
command -v wrk >/dev/null || { echo "bench-dashboard: wrk is missing (scripts/deps.sh installs it)" >&2; exit 1; }

dir=$(mktemp -d /tmp/perpd-dash-bench.XXXXXX)
chmod 755 "$dir" # the server runs as postgres when we are root
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  scripts/pg-cluster.sh stop "$dir/pg" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

url=$(scripts/pg-cluster.sh start "$dir/pg" --test)
DATABASE_URL="$url" "$B/bin/perpd" migrate >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -v snaps="$SNAPS" -v trades="$TRADES" "$url" >/dev/null <<'SQL'
SELECT setseed(0.42);
INSERT INTO agent_versions (tag, description, starting_equity, first_ts, last_ts, last_seq)
VALUES ('bench', 'dashboard bench: synthetic records', 10000, 1617235200000,
        1617235200000 + (:snaps - 1)::bigint * 60000, :snaps + 2 * :trades);
-- a random walk, one snapshot a minute
INSERT INTO equity_snapshots (version_id, seq, ts, equity, cash, available,
    unrealized_pnl, margin_used, realized_pnl, fees_paid, funding_net)
SELECT 1, i, 1617235200000 + (i - 1) * 60000, e, e, e, 0, 0, e - 10000, 0, 0
FROM (SELECT i, 10000 + sum(random() - 0.5) OVER (ORDER BY i) AS e
      FROM generate_series(1::bigint, :snaps) i) w;
INSERT INTO trades (version_id, seq, ts, symbol, side, qty, price, fee,
    realized_pnl, position_after, cause, reason)
SELECT 1, :snaps + i, 1617235200000 + i * 599000, 'BTC-USD',
       CASE WHEN i % 2 = 0 THEN 'buy' ELSE 'sell' END, 0.01,
       50000 + 1000 * sin(i / 100.0), 0.1, 0, 0, 'entry',
       'synthetic fill number ' || i
FROM generate_series(1::bigint, :trades) i;
INSERT INTO round_trips (version_id, seq, ts, symbol, side, qty, entry_price,
    exit_price, entry_ts, exit_ts, fees, net_pnl, entry_reason, exit_reason)
SELECT 1, :snaps + :trades + i, 1617235200000 + i * 599000, 'BTC-USD', 'long', 0.01,
       50000, 50000 + 100 * sin(i), 1617235200000 + i * 599000 - 3600000,
       1617235200000 + i * 599000, 0.2, sin(i),
       'synthetic entry reason ' || i, 'synthetic exit reason ' || i
FROM generate_series(1::bigint, :trades) i;
VACUUM ANALYZE;
SQL

cat > "$dir/dashboard.yaml" <<YAML
plugin_path: [$B/lib/perp]
services:
  - plugin: dashboard
    port: 0
    webui: $PWD/webui
    url: "\${DATABASE_URL}"
    threads: 2
YAML
DATABASE_URL="$url" "$B/bin/perpd" serve "$dir/dashboard.yaml" >"$dir/serve.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$dir/serve.log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$dir/serve.log" >&2; exit 1; }
base="http://127.0.0.1:$port"

# "requests/s p99_ms" of wrk on one URL
run() {
  local out rps p99
  out=$(wrk -t1 -c"${3:-32}" -d"${2:-$DUR}s" --latency ${4:+-s "$4"} "$1")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
  echo "$rps $p99"
}

eq_bytes=$(curl -s "$base/api/equity-curve?points=500" | wc -c)
rt_bytes=$(curl -s "$base/api/completed-trades?limit=50" | wc -c)
curl -s -o /dev/null "$base/app.js"
read -r ref_rps ref_p99 < <(run "$base/app.js")
read -r eq_rps eq_p99 < <(run "$base/api/equity-curve?points=500")
read -r rt_rps rt_p99 < <(run "$base/api/completed-trades?limit=50")
cat > "$dir/miss.lua" <<'LUA'
-- a point count not asked before: the answer cache cannot help
local n = 100
request = function()
  n = n + 1
  if n > 5000 then n = 101 end
  return wrk.format(nil, "/api/equity-curve?points=" .. n)
end
LUA
read -r miss_rps miss_p99 < <(run "$base" "$(( DUR < 5 ? DUR : 5 ))" 2 "$dir/miss.lua")
load=$(cut -d' ' -f1-3 /proc/loadavg)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
echo "dashboard over $SNAPS equity snapshots and $TRADES fills and round trips (wrk -t1 -c32, ${DUR}s each, loopback, server threads 2; load average $load):"
printf '  reference, static app.js:                  %10.0f req/s  p99 %6.2f ms\n' "$ref_rps" "$ref_p99"
printf '  equity curve, 500 points (%6d bytes):    %10.0f req/s  p99 %6.2f ms  (%s x reference; target >= 10,000 req/s, p99 < 10 ms)\n' "$eq_bytes" "$eq_rps" "$eq_p99" "$(ratio "$eq_rps" "$ref_rps")"
printf '  round trips, 50 rows (%6d bytes):         %10.0f req/s  p99 %6.2f ms  (%s x reference)\n' "$rt_bytes" "$rt_rps" "$rt_p99" "$(ratio "$rt_rps" "$ref_rps")"
printf '  equity curve, cache defeated (-c2, each request reads all %d rows): %.0f req/s  p99 %.1f ms\n' "$SNAPS" "$miss_rps" "$miss_p99"
