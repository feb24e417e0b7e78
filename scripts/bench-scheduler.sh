#!/usr/bin/env bash
# The scheduler benchmark, side by side with the real Quartz 2.3.2 on the
# same throw-away MariaDB, or PostgreSQL with BENCH_DB=postgres (started
# here, stopped at exit), each on its own fresh database, one after the
# other:
#
#   scripts/bench-scheduler.sh [TRIGGERS] [SECONDS]   keeping up (default 2000 30)
#   scripts/bench-scheduler.sh peak [SECONDS]         10,000 triggers due every second
#
# Prints `ours: fires_per_s=… p50_ms=… p99_ms=… max_ms=… rss_mb=…`, the same
# line for Quartz (`quartz: …`, peak RSS of the JVM from /proc) and
# `ratio: fires_per_s ours/quartz=…`.
# fires_per_s counts the fires launched inside the S-second window (so a
# scheduler that falls behind is measured by what it fires), lateness is
# launch - scheduled time of those fires.
# Environment: QUARTZ_THREADS (10), QUARTZ_BATCH (batchTriggerAcquisitionMaxCount,
# 1 = Quartz's default; 50 in peak mode), OURS_ARGS (extra options for `bench scheduler`),
# SKIP_QUARTZ=1 / SKIP_OURS=1 to run one side only, BENCH_DB=mariadb (default)
# or postgres (Quartz with its PostgreSQLDelegate and tables_postgres.sql).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "peak" ]; then
  TRIGGERS=10000
  SECONDS_=${2:-30}
  # Quartz at its best for the ratio: batch acquisition of 50.
  QUARTZ_BATCH=${QUARTZ_BATCH:-50}
else
  TRIGGERS=${1:-2000}
  SECONDS_=${2:-30}
fi
QUARTZ_THREADS=${QUARTZ_THREADS:-10}
QUARTZ_BATCH=${QUARTZ_BATCH:-1}
BENCH_DB=${BENCH_DB:-mariadb}
JARS=/usr/share/java
case "$BENCH_DB" in
  mariadb) DRIVER=mariadb-java-client DRIVER_PKG=libmariadb-java ;;
  postgres) DRIVER=postgresql DRIVER_PKG=libpostgresql-jdbc-java ;;
  *) echo "error: BENCH_DB is mariadb or postgres, not '$BENCH_DB'" >&2; exit 2 ;;
esac
CP="$JARS/quartz2.jar:$JARS/slf4j-api.jar:$JARS/slf4j-nop.jar:$JARS/$DRIVER.jar"
for jar in quartz2 slf4j-api slf4j-nop "$DRIVER"; do
  [ -f "$JARS/$jar.jar" ] || { echo "error: $JARS/$jar.jar is missing; apt-get install libquartz2-java libslf4j-java $DRIVER_PKG" >&2; exit 1; }
done
command -v javac >/dev/null || { echo "error: javac is missing; apt-get install default-jdk-headless" >&2; exit 1; }

if [ "$BENCH_DB" = postgres ]; then
  # shellcheck source=scripts/postgres.sh
  source scripts/postgres.sh
  postgres_start
  sql() { psql -q -v ON_ERROR_STOP=1 "$CDP_TEST_PG_URL/postgres" -c "$1"; }
  db_stop() { postgres_stop; }
  SERVER_URL=$CDP_TEST_PG_URL
  JDBC="jdbc:postgresql://127.0.0.1:$CDP_TEST_PG_PORT" JDBC_USER=postgres
else
  # shellcheck source=scripts/mariadb.sh
  source scripts/mariadb.sh
  mariadb_start
  sql() { mariadb --no-defaults -h127.0.0.1 -P"$CDP_TEST_MYSQL_PORT" -uroot -e "$1"; }
  db_stop() { mariadb_stop; }
  SERVER_URL=$CDP_TEST_MYSQL_URL
  JDBC="jdbc:mariadb://127.0.0.1:$CDP_TEST_MYSQL_PORT" JDBC_USER=root
fi

cargo build --release -q -p cdp-spark-provisioner
BIN=target/release/cdp-spark-provisioner

WORK=$(mktemp -d -t cdp-bench-scheduler.XXXXXX)
trap 'rm -rf "$WORK"; db_stop' EXIT
javac -nowarn -d "$WORK" -cp "$CP" scripts/bench/QuartzBench.java

echo "bench: triggers=$TRIGGERS seconds=$SECONDS_ (cron * * * * * ?, one $BENCH_DB server, fresh database per side)" >&2

ours_line=""
if [ "${SKIP_OURS:-0}" != 1 ]; then
  sql "CREATE DATABASE bench_ours"
  # shellcheck disable=SC2086
  out=$("$BIN" bench scheduler --triggers "$TRIGGERS" --seconds "$SECONDS_" \
    --database-url "$SERVER_URL/bench_ours" ${OURS_ARGS:-})
  echo "$out" | sed 's/^/ours: /' | sed '$d'
  ours_line=$(echo "$out" | tail -n 1)
  echo "ours: $ours_line"
fi

quartz_line=""
if [ "${SKIP_QUARTZ:-0}" != 1 ]; then
  sql "CREATE DATABASE bench_quartz"
  out=$(java -cp "$WORK:$CP" QuartzBench \
    "$JDBC/bench_quartz" "$JDBC_USER" "" \
    "$TRIGGERS" "$SECONDS_" "$QUARTZ_THREADS" "$QUARTZ_BATCH")
  echo "$out"
  quartz_line=$(echo "$out" | tail -n 1)
fi

fps() { echo "$1" | sed -n 's/.*fires_per_s=\([0-9.]*\).*/\1/p'; }
if [ -n "$ours_line" ] && [ -n "$quartz_line" ]; then
  awk -v o="$(fps "$ours_line")" -v q="$(fps "$quartz_line")" \
    'BEGIN { if (q > 0) printf "ratio: fires_per_s ours/quartz=%.2f\n", o / q; else print "ratio: quartz made no fires" }'
fi
