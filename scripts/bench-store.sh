#!/usr/bin/env bash
# The job store benchmark: replace-job-and-trigger transactions per second
# and p50/p99 latency, on SQLite, on a throw-away MariaDB and on a throw-away
# PostgreSQL (started here, stopped at exit). Extra arguments go to the bench binary; CDP_BENCH_OPS
# sets the transactions per scenario (default 2000).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/mariadb.sh
source scripts/mariadb.sh
mariadb_start
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
postgres_start

cargo bench -p cdp-spark-jobstore --bench replace_job -- "$@"
