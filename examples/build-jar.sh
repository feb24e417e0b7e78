#!/usr/bin/env bash
# Builds the example job's jar with the JDK, against the jars of the Spark
# installation in SPARK_HOME (scripts/install-spark.sh prints one), and
# writes the example descriptor pointing at it:
#   examples/target/hello-spark.jar
#   examples/target/hello-spark.yaml
# Usage: SPARK_HOME=$(scripts/install-spark.sh) examples/build-jar.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ -z "${SPARK_HOME:-}" ] || [ ! -d "$SPARK_HOME/jars" ]; then
  echo "build-jar: SPARK_HOME must name a Spark installation (its jars/ are the compile classpath): export SPARK_HOME=\$(scripts/install-spark.sh)" >&2
  exit 2
fi
for tool in javac jar; do
  command -v "$tool" >/dev/null || {
    echo "build-jar: $tool not found: install a JDK (Debian: apt-get install default-jdk-headless)" >&2
    exit 2
  }
done

out="$here/target"
rm -rf "$out/classes"
mkdir -p "$out/classes"
javac --release 17 -nowarn -d "$out/classes" -cp "$SPARK_HOME/jars/*" \
  "$here/hello-spark/src/examples/HelloSpark.java"
jar --create --file "$out/hello-spark.jar" -C "$out/classes" .
sed "s|jar: file:///opt/jobs/hello-spark.jar|jar: $out/hello-spark.jar|" \
  "$here/hello-spark.yaml" >"$out/hello-spark.yaml"
grep -q "jar: $out/hello-spark.jar" "$out/hello-spark.yaml"
echo "build-jar: $out/hello-spark.jar and $out/hello-spark.yaml"
