#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine: installs what the tests
# need (MariaDB, PostgreSQL, a JDK with Maven, Quartz 2.3.2, a KDC, Spark
# from PyPI, helm and cue built with Go),
# starts a throw-away MariaDB, a throw-away PostgreSQL and two real Hadoop mini clusters (HDFS HA +
# YARN; and a Kerberos one) on 127.0.0.1, builds the workspace once and runs
# every test against them.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh test
# Spark 4 from PyPI: spark-submit and spark-class for the launcher's tests;
# Spark 3.5 beside it, the line CDP customers run, for one YARN run.
SPARK_HOME=$(scripts/install-spark.sh)
export SPARK_HOME
CDP_TEST_SPARK35_HOME=$(CDP_SPARK_VERSION=3.5.7 scripts/install-spark.sh)
export CDP_TEST_SPARK35_HOME
# The mini cluster's Maven build (offline once downloaded), while nothing
# else runs.
scripts/hadoop-minicluster.sh build

# shellcheck source=scripts/mariadb.sh
source scripts/mariadb.sh
mariadb_start
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh
postgres_start
minicluster_root=$PWD/target/minicluster
cleanup() {
  scripts/hadoop-minicluster.sh stop "$minicluster_root/plain" || true
  scripts/hadoop-minicluster.sh stop "$minicluster_root/kerberos" || true
  mariadb_stop
  postgres_stop
}
trap cleanup EXIT

log=$(mktemp -t cdp-test-log.XXXXXX)
start=$(date +%s)

# The tests against the mini clusters run with `cargo test`, one binary
# after another, each binary's tests as threads of one process: they rely
# on it (real_hdfs.rs's failover and outage tests hold a process-wide lock
# that keeps the other tests of the binary off the cluster; the Spark apps
# are deployed once per binary; a failover must not overlap another
# binary's use of the same cluster). Every other test runs under
# `cargo nextest run --profile ci` (.config/nextest.toml), a process each.
cluster_tests=(real_hdfs real_hdfs_kerberos yarn_cluster yarn_cluster_kerberos cli_validate_hdfs yarn_e2e)
cluster_filter=$(printf 'binary(=%s) | ' "${cluster_tests[@]}")
cluster_filter=${cluster_filter% | }
cluster_args=()
for t in "${cluster_tests[@]}"; do cluster_args+=(--test "$t"); done

# helm for scripts/helm-test.sh: built with `go install` the first time (a
# few minutes), in the background while the workspace builds.
mkdir -p target
scripts/install-helm.sh >target/helm-path 2>target/helm-install.log &
helm_pid=$!
# cue for the CUE policy's test (cdp-spark-domain tests/it/descriptor_policy.rs,
# CDP_CUE): built with `go install` the first time (a minute or two), in
# the background too.
scripts/install-cue.sh >target/cue-path 2>target/cue-install.log &
cue_pid=$!

# One build of every test target, then run them.
cargo test --workspace --all-targets --no-run
wait "$cue_pid" || { cat target/cue-install.log >&2; echo "test.sh: installing cue failed" >&2; exit 1; }
CDP_CUE=$(cat target/cue-path)
export CDP_CUE

# Two real Hadoop clusters (tests/hadoop, Hadoop 3.1.1 as in CDP 7.1), once
# for the whole suite: HDFS HA + YARN with simple authentication, and HDFS +
# YARN behind Kerberos and SPNEGO. Spark's jars go onto each HDFS once
# (spark.yarn.archive), as on production clusters.
scripts/hadoop-minicluster.sh start "$minicluster_root/plain" --ha &
plain_pid=$!
scripts/hadoop-minicluster.sh start "$minicluster_root/kerberos" --kerberos &
kerberos_pid=$!
wait "$plain_pid"
wait "$kerberos_pid"
spark_version=$(basename "$(dirname "$SPARK_HOME")")
archive="$minicluster_root/$spark_version-jars.zip"
if [ ! -f "$archive" ]; then
  (cd "$SPARK_HOME/jars" && jar --create --no-compress --no-manifest --file "$archive.partial" ./*.jar)
  mv "$archive.partial" "$archive"
fi
for cluster in plain kerberos; do
  scripts/hadoop-minicluster.sh dfs "$minicluster_root/$cluster" -put -f "$archive" "/apps/$spark_version-jars.zip" 2>/dev/null
done
export CDP_TEST_MINICLUSTER="$minicluster_root/plain"
export CDP_TEST_MINICLUSTER_KERBEROS="$minicluster_root/kerberos"
export CDP_TEST_SPARK_ARCHIVE="hdfs:///apps/$spark_version-jars.zip"
echo "test.sh: mini clusters up, Spark's jars at $CDP_TEST_SPARK_ARCHIVE" >&2
# The web console's browser tests (cdp-spark-provisioner tests/it/console_browser.rs,
# run with the other tests below: headless chromium through chromedriver,
# real Spark) save a screenshot of each page here, the CI output folder.
rm -rf target/ci-artifacts/screenshots
mkdir -p target/ci-artifacts/screenshots
# Every run goes on when one fails, so that the closing line counts them all.
status=0
# Libraries, binaries and integration tests (not the benches: nextest
# cannot list a harness-less bench). The filter names whole binaries, so
# nextest does not even list the cluster tests (they are not "skipped").
cargo nextest run --profile ci --workspace -E "not ($cluster_filter)" "$@" 2>&1 | tee -a "$log" || status=1
cargo test --workspace "${cluster_args[@]}" "$@" 2>&1 | tee -a "$log" || status=1
# The benches once each in test mode, as `cargo test --all-targets` ran them
# (`--bench '*'`: the bench targets alone; `--benches` would run every
# library's unit tests again and count them twice).
cargo test --workspace --bench '*' 2>&1 | tee -a "$log" || status=1
cargo test --workspace --doc 2>&1 | tee -a "$log" || status=1

# --- HTTP API contract test (issue 4): schemathesis (PyPI) against the
# running server, the Witboost 2.2.0 contract and our /openapi.json.
scripts/contract-test.sh
# --- The Helm chart: helm lint --strict, helm template checked, the binary
# on the chart's configuration (seconds once helm is built).
wait "$helm_pid" || { cat target/helm-install.log >&2; echo "test.sh: installing helm failed" >&2; exit 1; }
HELM=$(cat target/helm-path) scripts/helm-test.sh
# --- Abusive HTTP traffic for 15 s (slowloris, idle connections, invented
# methods, huge heads and bodies): RSS stays flat, /health answers.
scripts/abuse-http.sh 15

# One closing line for the whole suite: the sum of every `test result`
# (cargo test) and of nextest's `Summary` (failed and timed out count as
# failed).
echo "test.sh: suite ran in $(( $(date +%s) - start )) s"
awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1); if ($i ~ /^ignored/) s += $(i-1) } }
  /^ *Summary \[/ { for (i = 2; i <= NF; i++) { w = $i; sub(/,$/, "", w)
                      if (w == "passed") p += $(i-1); if (w == "failed") f += $(i-1); if (w == "skipped") s += $(i-1)
                      if (w == "out" && $(i-1) == "timed") f += $(i-2) } }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
