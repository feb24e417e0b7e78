#!/usr/bin/env bash
# What spark-submit costs the provisioner's host in YARN cluster mode, as the
# launcher runs it (submit and detach): peak resident memory of its whole
# process tree, CPU, and the time until YARN has the application, for one
# spark-submit and for N started together; with the launcher's default
# client JVM options (launcher.submit_jvm_opts) and with none (Spark's
# defaults).
#
#   scripts/bench-spark-submit.sh DIR [N]
#
# DIR is a running mini cluster (scripts/hadoop-minicluster.sh start DIR
# --ha, simple authentication); N defaults to 4. The commands are the
# launcher's own (SparkSubmitCommand::build and ::to_command, through the
# release build of the example crates/cdp-spark-launcher/examples/
# bench_spark_submit.rs), started together; /proc/<pid>/status of every
# process of each spark-submit's tree is read every 50 ms. The applications
# (cdptest.spark.Sleep, 512 MB driver and executor, one executor) are killed
# through the ResourceManager once measured. Spark's jars are shipped as
# spark.yarn.archive from the cluster's HDFS (put there once if missing),
# as the launcher's yarn_archive does. A warm-up submit comes first, so
# that the page cache holds Spark's jars.
#
# Env: SPARK_HOME (default: scripts/install-spark.sh), CDP_BENCH_JVM_OPTS
# (the bounded options to measure; default: the launcher's default).
#
# Prints, last, one line per configuration and N:
#   summary label=OPTS-nN n=… ok=… to_id_ms_p50=… to_id_ms_max=…
#     to_exit_ms_max=… peak_rss_mb_max=… sum_of_peaks_mb=… peak_of_sum_mb=…
#     peak_of_sum_pss_mb=… cpu_s_per_submit=…
# to_id: spark-submit started → "Submitted application …" printed (YARN
# has it); to_exit: → spark-submit exited (the launcher's submit returns);
# peak_rss_mb_max: the largest single tree's peak (VmRSS); sum_of_peaks:
# the trees' peaks added; peak_of_sum: the largest total seen at one
# instant; peak_of_sum_pss: the same in PSS (shared pages such as libjvm.so
# counted once); cpu_s_per_submit: user+system CPU of a tree. Labels:
# spark-defaults (submit_jvm_opts = "", Spark's own JVM defaults) and
# launcher-default (the launcher's submit_jvm_opts), or bounded with
# CDP_BENCH_JVM_OPTS.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 1 ] || { echo "usage: $0 DIR [N]" >&2; exit 2; }
dir=$(cd "$1" && pwd)
n=${2:-4}
[ -f "$dir/env" ] || { echo "bench-spark-submit: no running mini cluster in $dir" >&2; exit 2; }
# shellcheck disable=SC1091
source "$dir/env"

SPARK_HOME=${SPARK_HOME:-$(scripts/install-spark.sh)}
export SPARK_HOME
spark_version=$(basename "$(dirname "$SPARK_HOME")")
work=$(mktemp -d -t cdp-bench-spark-submit.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The test application, compiled against this Spark.
mkdir -p "$work/classes"
javac -nowarn --release 17 -cp "$SPARK_HOME/jars/*" -d "$work/classes" \
  tests/spark-apps/cdptest/spark/Sleep.java
jar --create --file "$work/cdptest-sleep.jar" -C "$work/classes" .
hdfs_dir=/apps/bench-spark-submit
scripts/hadoop-minicluster.sh dfs "$dir" -mkdir -p "$hdfs_dir" 2>/dev/null
scripts/hadoop-minicluster.sh dfs "$dir" -put -f "$work/cdptest-sleep.jar" "$hdfs_dir/" 2>/dev/null
archive=/apps/$spark_version-jars.zip
if ! scripts/hadoop-minicluster.sh dfs "$dir" -test -e "$archive" 2>/dev/null; then
  echo "bench-spark-submit: putting Spark's jars on HDFS ($archive)" >&2
  (cd "$SPARK_HOME/jars" && jar --create --no-compress --no-manifest --file "$work/jars.zip" ./*.jar)
  scripts/hadoop-minicluster.sh dfs "$dir" -put -f "$work/jars.zip" "$archive" 2>/dev/null
fi

cargo build --release -q -p cdp-spark-launcher --example bench_spark_submit
bench=target/release/examples/bench_spark_submit
run() {
  local label=$1 opts=$2 count=$3
  "$bench" --spark-home "$SPARK_HOME" --conf-dir "$HADOOP_CONF_DIR" --rm "$CDP_TEST_YARN_RM" \
    --jar "hdfs://$hdfs_dir/cdptest-sleep.jar" --archive "hdfs://$archive" \
    --n "$count" --jvm-opts "$opts" --label "$label-n$count" | tee -a "$work/results"
}

bounded=${CDP_BENCH_JVM_OPTS:-}
run warmup none 1 >/dev/null
for count in 1 "$n"; do
  run spark-defaults none "$count"
  if [ -n "$bounded" ]; then run bounded "$bounded" "$count"; else run launcher-default default "$count"; fi
done
echo
grep '^summary' "$work/results"
