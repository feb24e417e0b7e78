#!/usr/bin/env bash
# A real Hadoop cluster on this machine for the tests: HDFS (NameNodes,
# DataNode), YARN (ResourceManager, NodeManager) and, with --kerberos, a KDC
# with secure HDFS and a SPNEGO-protected ResourceManager, all in one JVM
# (tests/hadoop, Hadoop's MiniDFSCluster, MiniYARNCluster and MiniKdc from
# Maven Central).
#
#   scripts/hadoop-minicluster.sh start DIR [--ha] [--kerberos] [--nodemanagers N]
#       builds tests/hadoop when needed (Maven; offline once downloaded),
#       starts the cluster in the background and waits for it (at most
#       CDP_MINICLUSTER_START_TIMEOUT seconds, default 240), then prints its
#       ready line. DIR/env holds shell assignments for the tests
#       (HADOOP_CONF_DIR, YARN_CONF_DIR, CDP_TEST_HDFS_URL, CDP_TEST_YARN_RM,
#       CDP_TEST_WEBHDFS, with --kerberos KRB5_CONFIG and the principals and
#       keytabs): `source DIR/env`. DIR/conf is the client configuration a
#       CDP gateway host has; DIR/logs the daemons' logs.
#   scripts/hadoop-minicluster.sh stop DIR
#       stops it and every container it launched; nothing keeps running.
#   scripts/hadoop-minicluster.sh status DIR
#       exit 0 when it runs.
#   scripts/hadoop-minicluster.sh dfs DIR ARGS...
#       `hdfs dfs ARGS` against it (Hadoop's FsShell), as the superuser (with
#       --kerberos: as hdfs/localhost from its keytab).
#   scripts/hadoop-minicluster.sh build
#       only builds the module (for CI's warm-up).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
module="$root/tests/hadoop"
jar="$module/target/cdp-hadoop-minicluster-0.0.0.jar"

die() { echo "hadoop-minicluster: $*" >&2; exit 1; }

# The JVM flags Hadoop's daemons need on Java 17 (reflection into the JDK).
java_opts=(
  -Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  -Djava.net.preferIPv4Stack=true
)

build() {
  command -v mvn >/dev/null || die "Maven is needed (scripts/install-deps.sh test installs it)"
  local newest
  newest=$(find "$module/pom.xml" "$module/src" -newer "$jar" -print -quit 2>/dev/null || true)
  if [ -f "$jar" ] && [ -d "$module/target/lib" ] && [ -z "$newest" ]; then
    return 0
  fi
  echo "hadoop-minicluster: building tests/hadoop (Maven)" >&2
  local started=$SECONDS
  # Offline first: after the first download nothing is fetched again.
  if ! (cd "$module" && mvn -q -B -o package >"$module/build.log" 2>&1); then
    (cd "$module" && mvn -q -B package >"$module/build.log" 2>&1) \
      || { cat "$module/build.log" >&2; die "the Maven build of tests/hadoop failed"; }
  fi
  echo "hadoop-minicluster: built in $((SECONDS - started)) s" >&2
}

# Containers start `$JAVA_HOME/bin/java`: the NodeManagers pass JAVA_HOME on.
java_home() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME"
  else
    dirname "$(dirname "$(readlink -f "$(command -v java)")")"
  fi
}

classpath() { echo "$jar:$module/target/lib/*"; }

running() {
  local dir=$1
  [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null
}

start() {
  local dir=$1; shift
  build
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  running "$dir" && die "a cluster already runs in $dir (pid $(cat "$dir/pid")); stop it first"
  rm -rf "$dir/env" "$dir/data" "$dir/kdc" "$dir/keytabs" "$dir/conf" "$dir/logs"
  mkdir -p "$dir/logs"
  local started=$SECONDS
  # Its own session: `stop` can end it and everything it started.
  JAVA_HOME=$(java_home) setsid java "${java_opts[@]}" -Dminicluster.log.dir="$dir/logs" \
    -cp "$(classpath)" cdp.minicluster.MiniCluster "$dir" "$@" \
    >"$dir/logs/stdout.log" 2>"$dir/logs/stderr.log" </dev/null &
  echo $! >"$dir/pid"
  local limit=${CDP_MINICLUSTER_START_TIMEOUT:-240}
  while ! grep -q '^minicluster: ready' "$dir/logs/stdout.log" 2>/dev/null; do
    if ! running "$dir"; then
      tail -n 40 "$dir/logs/stderr.log" >&2
      die "the cluster stopped while starting (logs in $dir/logs)"
    fi
    if [ $((SECONDS - started)) -ge "$limit" ]; then
      tail -n 40 "$dir/logs/stderr.log" >&2
      stop "$dir"
      die "the cluster was not ready after $limit s (logs in $dir/logs)"
    fi
    sleep 0.5
  done
  [ -f "$dir/env" ] || die "the cluster is up but wrote no $dir/env"
  echo "$(grep -m1 '^minicluster: ready' "$dir/logs/stdout.log") (in $((SECONDS - started)) s)"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/pid" ]; then
    local pid
    pid=$(cat "$dir/pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 120); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
      done
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/pid"
  fi
  # Containers the NodeManagers launched run in sessions of their own; every
  # one of them has the cluster's folder on its command line.
  local left
  left=$(pgrep -f -- "$dir/data" || true)
  if [ -n "$left" ]; then
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
  fi
  return 0
}

dfs() {
  local dir=$1; shift
  dir=$(cd "$dir" && pwd)
  [ -f "$dir/env" ] || die "no cluster in $dir"
  local opts=()
  if [ -f "$dir/keytabs/hdfs.keytab" ]; then
    # shellcheck disable=SC1091
    KRB5CCNAME="FILE:$dir/kdc/fsshell.cc" KRB5_CONFIG="$dir/conf/krb5.conf" \
      kinit -kt "$dir/keytabs/hdfs.keytab" "$(. "$dir/env"; echo "$CDP_TEST_KERBEROS_HDFS_PRINCIPAL")"
    export KRB5CCNAME="FILE:$dir/kdc/fsshell.cc"
    opts+=(-Djava.security.krb5.conf="$dir/conf/krb5.conf")
  fi
  HADOOP_CONF_DIR="$dir/conf" java "${java_opts[@]}" "${opts[@]}" -Xmx256m \
    -Dminicluster.log.dir="$dir/logs" -cp "$dir/conf:$(classpath)" \
    org.apache.hadoop.fs.FsShell "$@"
}

cmd=${1:-}
case "$cmd" in
  start) [ $# -ge 2 ] || die "usage: start DIR [--ha] [--kerberos] [--nodemanagers N]"; shift; start "$@" ;;
  stop) [ $# -eq 2 ] || die "usage: stop DIR"; stop "$2" ;;
  status) [ $# -eq 2 ] || die "usage: status DIR"; running "$(cd "$2" && pwd)" ;;
  dfs) [ $# -ge 3 ] || die "usage: dfs DIR ARGS..."; shift; dfs "$@" ;;
  build) build ;;
  *) die "usage: $0 start DIR [--ha] [--kerberos] | stop DIR | status DIR | dfs DIR ARGS... | build" ;;
esac
