#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine: installs what the tests
# need (MariaDB, a JDK, Quartz 2.3.2), starts a throw-away MariaDB on
# 127.0.0.1, builds the workspace once and runs every test against it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh test
# Spark 4 from PyPI: spark-submit and spark-class for the launcher's tests.
SPARK_HOME=$(scripts/install-spark.sh)
export SPARK_HOME

# shellcheck source=scripts/mariadb.sh
source scripts/mariadb.sh
mariadb_start

log=$(mktemp -t cdp-test-log.XXXXXX)
start=$(date +%s)

# One build of every test target, then run them.
cargo test --workspace --all-targets --no-run
cargo test --workspace --all-targets "$@" 2>&1 | tee -a "$log"
cargo test --workspace --doc 2>&1 | tee -a "$log"

# Tests against a real NameNode / YARN cluster are #[ignore]d (counted as
# skipped above); they run here when their address is given.
if [ -n "${CDP_TEST_HDFS_URL:-}" ]; then
  echo "test.sh: CDP_TEST_HDFS_URL is set: the real-NameNode test runs" >&2
  cargo test -p cdp-spark-hdfs --test namenode_integration -- --ignored 2>&1 | tee -a "$log"
fi
if [ -n "${CDP_TEST_YARN_RM:-}" ]; then
  echo "test.sh: CDP_TEST_YARN_RM is set: the real-YARN test runs" >&2
  cargo test -p cdp-spark-launcher --test yarn_cluster -- --ignored 2>&1 | tee -a "$log"
fi

# --- HTTP API contract test (issue 4): schemathesis (PyPI) against the
# running server, the Witboost 2.2.0 contract and our /openapi.json.
scripts/contract-test.sh

# One closing line for the whole suite (the sum of every `test result`).
echo "test.sh: suite ran in $(( $(date +%s) - start )) s"
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1); if ($i ~ /^ignored/) s += $(i-1) } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
