#!/usr/bin/env bash
# Installs Apache Spark 4 from PyPI (the `pyspark` wheel ships the whole
# Spark distribution: bin/spark-submit, bin/spark-class and jars/) and prints
# its SPARK_HOME on stdout, for the launcher's tests and for local mode.
#
# Idempotent: nothing is fetched when that exact version is already there.
# The wheel goes into its own folder (pip --target, no dependencies: the JVM
# side needs none of pyspark's Python requirements), so it never disturbs
# the machine's Python packages.
#
# Usage: SPARK_HOME=$(scripts/install-spark.sh)
# Env:   CDP_SPARK_VERSION     the pyspark version (default below)
#        CDP_SPARK_INSTALL_DIR where it goes (default: ~/.cache/cdp-spark)
set -euo pipefail

version=${CDP_SPARK_VERSION:-4.0.1}
base=${CDP_SPARK_INSTALL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cdp-spark}
target="$base/pyspark-$version"
spark_home="$target/pyspark"

if [ ! -x "$spark_home/bin/spark-submit" ] || [ ! -d "$spark_home/jars" ]; then
  echo "install-spark: installing pyspark==$version into $target" >&2
  python=$(command -v python3 || command -v python || true)
  if [ -z "$python" ]; then
    echo "install-spark: python3 with pip is needed to install Spark from PyPI" >&2
    exit 1
  fi
  tmp="$target.partial.$$"
  rm -rf "$tmp"
  mkdir -p "$base"
  "$python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --target "$tmp" "pyspark==$version" >&2
  # The wheel does not keep the executable bits of the launch scripts.
  chmod +x "$tmp"/pyspark/bin/* "$tmp"/pyspark/sbin/* 2>/dev/null || true
  rm -rf "$target"
  mv "$tmp" "$target"
fi

if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  echo "install-spark: warning: no java on PATH and no JAVA_HOME; Spark 4 needs Java 17 or newer" >&2
fi

echo "$spark_home"
