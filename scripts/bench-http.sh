#!/usr/bin/env bash
# Load benchmark of the HTTP API on 127.0.0.1 with wrk (Debian's package):
# POST /v1/validate (a local jar, checked for its main class on every call)
# and POST /v1/provision (validate, then replace the job and its trigger in
# one transaction), on SQLite and on MariaDB. Each is run at a fixed rate
# (default 200 requests/s) and then flat out; the table gives requests/s and
# the p50/p99 latency wrk measured.
#
# Usage: scripts/bench-http.sh [SECONDS] [RATE]     (defaults 20 and 200)
# Needs: wrk, a JDK (javac, jar), MariaDB (scripts/install-deps.sh test).
# Uses CDP_TEST_MYSQL_URL when set, else starts a throw-away MariaDB.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
rate=${2:-200}
conns=4
fixture=tests/fixtures/descriptors/component-spark-scheduled.yaml
[ -f "$fixture" ] || { echo "bench-http: the fixture $fixture is missing from the repository (git checkout -- $fixture)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench-http: wrk is missing: apt-get install wrk" >&2; exit 1; }

cargo build --release -q -p cdp-spark-provisioner
bin=target/release/cdp-spark-provisioner
work=$(mktemp -d -t cdp-bench.XXXXXX)
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT

if [ -z "${CDP_TEST_MYSQL_URL:-}" ]; then
  # shellcheck source=scripts/mariadb.sh
  source scripts/mariadb.sh
  mariadb_start
  trap 'stop_server; rm -rf "$work"; mariadb_stop' EXIT
fi

# A real jar with the fixture's main class, and one dependency.
mkdir -p "$work/src/com/acme/finance/cashflow" "$work/classes" "$work/dep/com/acme/commons" "$work/depclasses"
cat >"$work/src/com/acme/finance/cashflow/DailyAggregation.java" <<'EOF'
package com.acme.finance.cashflow;
public class DailyAggregation { public static void main(String[] args) { System.out.println(args.length); } }
EOF
cat >"$work/dep/com/acme/commons/Util.java" <<'EOF'
package com.acme.commons;
public class Util { public static int one() { return 1; } }
EOF
javac -d "$work/classes" "$work/src/com/acme/finance/cashflow/DailyAggregation.java"
javac -d "$work/depclasses" "$work/dep/com/acme/commons/Util.java"
jar --create --file "$work/app.jar" -C "$work/classes" .
jar --create --file "$work/dep.jar" -C "$work/depclasses" .

# The request body: the fixture with its jars made local.
python3 - "$fixture" "$work" <<'EOF'
import json, sys
fixture, work = sys.argv[1], sys.argv[2]
text = open(fixture).read()
text = text.replace("hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar", f"{work}/app.jar")
text = text.replace("hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar", f"{work}/dep.jar")
json.dump({"descriptorKind": "COMPONENT_DESCRIPTOR", "descriptor": text, "removeData": False}, open(f"{work}/body.json", "w"))
EOF

cat >"$work/post.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("BENCH_BODY"), "r"))
wrk.body = f:read("*a")
f:close()
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
-- A fixed rate: each thread sends on its own schedule (rate / threads per
-- second), whatever the latency; time from clock_gettime(CLOCK_MONOTONIC).
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local interval = rate > 0 and threads * 1000 / rate or 0
local next_at = nil
function delay()
  if rate <= 0 then return 0 end
  local now = now_ms()
  if next_at == nil then next_at = now end
  local wait = next_at - now
  next_at = next_at + interval
  if wait > 0 then return wait end
  return 0
end
EOF

start_server() { # $1 = store url or empty
  local env=(CDP_SPARK_PROVISIONER__LOG__LEVEL=warn)
  [ -n "$1" ] && env+=("CDP_SPARK_PROVISIONER__STORE__URL=$1")
  rm -f "$work/stdout"
  env "${env[@]}" CDP_SPARK_PROVISIONER__SCHEDULER__ENABLED=false "$bin" serve --bind 127.0.0.1:0 --data-dir "$work/data-$RANDOM" \
    >"$work/stdout" 2>"$work/stderr" &
  server_pid=$!
  base=
  for _ in $(seq 1 200); do
    base=$(sed -n 's/^cdp-spark-provisioner listening on //p' "$work/stdout" | head -1)
    [ -n "$base" ] && return 0
    sleep 0.1
  done
  cat "$work/stderr" >&2
  echo "bench-http: the server did not start" >&2
  exit 1
}

results=()
run() { # $1 label, $2 path, $3 rate (0 = flat out)
  local out rps p50 p99 errors
  # Warm up (and create the job once for provision).
  curl -fsS -o /dev/null -H 'Content-Type: application/json' --data-binary @"$work/body.json" "$base$2"
  out=$(BENCH_BODY="$work/body.json" BENCH_RATE="$3" BENCH_THREADS=2 \
    wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$work/post.lua" "$base$2")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  local target=$([ "$3" = 0 ] && echo "max" || echo "$3/s")
  results+=("$(printf '%-8s %-14s %-6s %10s %10s %10s %8s' "$1" "$2" "$target" "$rps" "$p50" "$p99" "${errors:-0}")")
}

mysql_db="cdp_bench_$$"
mariadb --no-defaults -h127.0.0.1 -P"${CDP_TEST_MYSQL_PORT:-${CDP_TEST_MYSQL_URL##*:}}" -uroot \
  -e "CREATE DATABASE IF NOT EXISTS \`$mysql_db\`"

for store in sqlite mariadb; do
  if [ "$store" = sqlite ]; then start_server ""; else start_server "${CDP_TEST_MYSQL_URL%/}/$mysql_db"; fi
  for path in /v1/validate /v1/provision; do
    run "$store" "$path" "$rate"
    run "$store" "$path" 0
  done
  stop_server
done

echo
echo "cdp-spark-provisioner HTTP load ($seconds s each, wrk -t2 -c$conns, 127.0.0.1, $(nproc) cores)"
printf '%-8s %-14s %-6s %10s %10s %10s %8s\n' store route rate 'req/s' p50 p99 'non-2xx'
printf '%s\n' "${results[@]}"
