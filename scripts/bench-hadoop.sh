#!/usr/bin/env bash
# The product against real Hadoop (the mini cluster of tests/hadoop): how
# long a validation takes against the real NameNodes and DataNode, what it
# costs them, and how long a scheduled fire takes to become a YARN
# application that is ACCEPTED and then RUNNING.
#
#   scripts/bench-hadoop.sh [DIR] [--validations N] [--jobs K]
#
# DIR is a running plain mini cluster (scripts/hadoop-minicluster.sh start
# DIR --ha); without it one is started in target/bench-minicluster and
# stopped at the end. N validations (default 300) are sent one after the
# other, then again 4 at a time; K jobs (default 4) are provisioned with a
# cron that fires them all in the same second, twice. The release binary
# serves with the HDFS and YARN settings of an operator (SQLite store).
#
# Prints, last:
#   validate_seq  n=… p50_ms=… p99_ms=… max_ms=…
#   validate_par4 n=… req_per_s=… p50_ms=… p99_ms=…
#   validate_cost nn_rpcs_per_validation=… (by method) dn_read_ops_per_validation=… dn_bytes_per_validation=…
#   fire_to_accepted n=… p50_ms=… max_ms=…   (RM's startedTime − the run's scheduled fire time)
#   fire_to_running  n=… p50_ms=… max_ms=…   (first poll, every 100 ms, that sees RUNNING)
set -euo pipefail
cd "$(dirname "$0")/.."

dir=
validations=300
jobs=4
while [ $# -gt 0 ]; do
  case "$1" in
    --validations) validations=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -*) echo "bench-hadoop: unknown option $1" >&2; exit 2 ;;
    *) dir=$1; shift ;;
  esac
done

SPARK_HOME=$(scripts/install-spark.sh)
export SPARK_HOME
cargo build --release -q -p cdp-spark-provisioner
bin=$PWD/target/release/cdp-spark-provisioner
work=$(mktemp -d -t cdp-bench-hadoop.XXXXXX)
own_cluster=
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  [ -n "$own_cluster" ] && scripts/hadoop-minicluster.sh stop "$own_cluster"
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$dir" ]; then
  own_cluster=$PWD/target/bench-minicluster
  scripts/hadoop-minicluster.sh start "$own_cluster" --ha >&2
  dir=$own_cluster
fi
dir=$(cd "$dir" && pwd)
# shellcheck disable=SC1091
. "$dir/env"
dfs() { scripts/hadoop-minicluster.sh dfs "$dir" "$@" 2>/dev/null; }

# The Spark test applications, and Spark's jars on HDFS once.
mkdir -p "$work/classes"
javac -nowarn --release 17 -cp "$SPARK_HOME/jars/*" -d "$work/classes" \
  tests/spark-apps/cdptest/spark/Succeed.java
jar --create --file "$work/apps.jar" -C "$work/classes" .
spark_version=$(basename "$(dirname "$SPARK_HOME")")
archive=/apps/$spark_version-jars.zip
if ! dfs -test -e "$archive"; then
  (cd "$SPARK_HOME/jars" && jar --create --no-compress --no-manifest --file "$work/spark-jars.zip" ./*.jar)
  dfs -put -f "$work/spark-jars.zip" "$archive"
  rm -f "$work/spark-jars.zip"
fi
hdir=/user/cdpprov/bench-$$
dfs -mkdir -p "$hdir"
dfs -put -f "$work/apps.jar" "$hdir/apps.jar"
dfs -chown -R cdpprov "$hdir"

cat >"$work/serve.toml" <<EOF
[hdfs]
enabled = true
hadoop_conf_dir = "$HADOOP_CONF_DIR"
user = "cdpprov"

[scheduler]
enabled = true
follow_interval_ms = 1000

[launcher]
mode = "yarn"
spark_home = "$SPARK_HOME"
hadoop_conf_dir = "$HADOOP_CONF_DIR"
resource_managers = ["$CDP_TEST_YARN_RM"]
yarn_user_name = "cdpprov"
yarn_archive = "hdfs://$archive"

[launcher.extra_env]
HADOOP_USER_NAME = "cdpprov"
EOF

CDP_SPARK_PROVISIONER__LOG__LEVEL=warn "$bin" serve --config "$work/serve.toml" \
  --bind 127.0.0.1:0 --data-dir "$work/data" >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
for _ in $(seq 1 200); do
  grep -q 'listening on' "$work/stdout" 2>/dev/null && break
  sleep 0.1
done
base=$(sed -n 's/^cdp-spark-provisioner listening on //p' "$work/stdout" | head -n1)
[ -n "$base" ] || { cat "$work/stderr" >&2; echo "bench-hadoop: serve did not start" >&2; exit 1; }

python3 - "$base" "$CDP_TEST_HDFS_URL$hdir/apps.jar" "$validations" "$jobs" \
  "$CDP_TEST_YARN_RM" "$CDP_TEST_WEBHDFS_ALL" "$CDP_TEST_DATANODE_HTTP" "$CDP_TEST_HDFS_NAMENODES" <<'PY'
import datetime, http.client, json, statistics, sys, threading, time, urllib.parse, urllib.request

base, jar, n, jobs, rm, nn_http, dn_http, nn_rpc = sys.argv[1:9]
n, jobs = int(n), int(jobs)
fixture = open("tests/fixtures/descriptors/component-spark-scheduled.yaml").read()

def descriptor(component, cron):
    text = fixture
    old_schedule = ('          schedule:\n            cronExpression: "0 30 2 ? * MON-FRI"\n'
                    '            startDate: 2026-01-01T00:00:00Z\n            endDate: 2030-12-31T23:59:59Z\n')
    text = text.replace(old_schedule, f'          schedule:\n            cronExpression: "{cron}"\n' if cron else "")
    text = text.replace("hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar", jar)
    text = text.replace("            - hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar\n", "")
    text = text.replace("          dependencies:\n", "")
    text = text.replace("com.acme.finance.cashflow.DailyAggregation", "cdptest.spark.Succeed")
    text = text.replace("daily-aggregation", component)
    text = text.replace("queue: root.finance", "queue: default")
    for a, b in [("driverMemory: 2g", "driverMemory: 512m"), ("executorMemory: 4g", "executorMemory: 512m"),
                 ("executorCores: 2", "executorCores: 1"), ("numExecutors: 4", "numExecutors: 1")]:
        text = text.replace(a, b)
    return json.dumps({"descriptorKind": "COMPONENT_DESCRIPTOR", "descriptor": text, "removeData": False})

url = urllib.parse.urlparse(base)
def post(conn, path, body):
    # The server closes a keep-alive connection left idle: open it again.
    for attempt in (0, 1):
        try:
            t = time.perf_counter()
            conn.request("POST", path, body, {"Content-Type": "application/json"})
            res = conn.getresponse()
            data = res.read()
            return (time.perf_counter() - t) * 1000, res.status, data
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            conn.close()
            if attempt:
                raise

def fresh():
    return http.client.HTTPConnection(url.hostname, url.port, timeout=120)

def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]

def get_json(u):
    with urllib.request.urlopen(u, timeout=10) as r:
        return json.load(r)

CLIENT_CALLS = {"GetFileInfo", "GetBlockLocations", "GetServerDefaults", "GetListing", "CheckAccess"}

def nn_ops():
    """RPC calls served by the active NameNode, by method (JMX)."""
    total = {}
    for http_addr, rpc in zip(nn_http.split(","), nn_rpc.split(",")):
        port = rpc.rsplit(":", 1)[1]
        beans = get_json(f"{http_addr}/jmx?qry=Hadoop:service=NameNode,name=RpcDetailedActivityForPort{port}")["beans"]
        for bean in beans:
            for k, v in bean.items():
                # The client protocol's calls, not the DataNode's heartbeats
                # or the HA pair's edit-log traffic.
                if k.endswith("NumOps") and k[:-6] in CLIENT_CALLS:
                    total[k[:-6]] = total.get(k[:-6], 0) + v
    return total

def dn_reads():
    beans = get_json(f"{dn_http}/jmx?qry=Hadoop:service=DataNode,name=DataNodeActivity-*")["beans"]
    return sum(b.get("ReadBlockOpNumOps", 0) for b in beans), sum(b.get("BytesRead", 0) for b in beans)

body = descriptor("bench-validate", "0 0 3 * * ?")
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
ms, status, data = post(conn, "/v1/validate", body)
assert status == 200 and json.loads(data).get("valid") is True, data[:2000]
for _ in range(20):
    post(conn, "/v1/validate", body)
# Hadoop's JMX values are snapshots taken every 10 s.
time.sleep(11)
ops0, (dn_ops0, dn_bytes0) = nn_ops(), dn_reads()
seq = []
for _ in range(n):
    ms, status, data = post(conn, "/v1/validate", body)
    assert status == 200, data[:500]
    seq.append(ms)
time.sleep(11)
ops1, (dn_ops1, dn_bytes1) = nn_ops(), dn_reads()
print(f"validate_seq  n={n} p50_ms={pct(seq,50):.1f} p99_ms={pct(seq,99):.1f} max_ms={max(seq):.1f}")

par = []
lock = threading.Lock()
def worker(count):
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    for _ in range(count):
        ms, status, _ = post(c, "/v1/validate", body)
        assert status == 200
        with lock:
            par.append(ms)
t0 = time.perf_counter()
threads = [threading.Thread(target=worker, args=(n // 4,)) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
wall = time.perf_counter() - t0
print(f"validate_par4 n={len(par)} req_per_s={len(par)/wall:.0f} p50_ms={pct(par,50):.1f} p99_ms={pct(par,99):.1f}")
per = {k: (ops1.get(k, 0) - ops0.get(k, 0)) / n for k in ops1}
per = {k: round(v, 2) for k, v in per.items() if v > 0.001}
print(f"validate_cost nn_rpcs_per_validation={sum(per.values()):.2f} {json.dumps(per, sort_keys=True)} "
      f"dn_read_ops_per_validation={(dn_ops1-dn_ops0)/n:.2f} dn_bytes_per_validation={(dn_bytes1-dn_bytes0)/n:.0f}")

# Fire to ACCEPTED and RUNNING: K jobs due in the same second, twice.
def run_of(app):
    for tag in (app.get("applicationTags") or "").split(","):
        if tag.startswith("cdp-run-"):
            return tag[len("cdp-run-"):]
    return None

accepted, running = [], []
conn = fresh()
for round_ in range(2):
    conn = fresh()
    due = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(seconds=25)
    cron = f"{due.second} {due.minute} {due.hour} * * ?"
    for j in range(jobs):
        ms, status, data = post(conn, "/v1/provision", descriptor(f"bench-fire-{round_}-{j}", cron))
        assert status == 200, data[:2000]
    seen_running = {}
    begin = int(due.timestamp() * 1000) - 5000
    deadline = time.time() + 25 + 240
    while time.time() < deadline:
        apps = (get_json(f"{rm}/ws/v1/cluster/apps?startedTimeBegin={begin}").get("apps") or {}).get("app") or []
        now = time.time()
        for app in apps:
            if app["state"] in ("RUNNING", "FINISHED", "FAILED", "KILLED") and app["id"] not in seen_running:
                seen_running[app["id"]] = (now, app)
        if len(seen_running) >= jobs:
            break
        time.sleep(0.1)
    for app_id, (t_running, app) in seen_running.items():
        run_id = run_of(app)
        run = get_json(f"{base}/v1/scheduler/runs/{run_id}")
        fire = datetime.datetime.fromisoformat(run["scheduledFireTime"].replace("Z", "+00:00")).timestamp()
        accepted.append(app["startedTime"] / 1000 - fire)
        running.append(t_running - fire)
    conn = fresh()
    for j in range(jobs):
        # Pause so the cron does not fire again tomorrow while the bench runs.
        conn.request("POST", f"/v1/scheduler/jobs/{urllib.parse.quote('urn:dmb:dp:finance:cashflow:0', safe='')}/finance-cashflow-0-bench-fire-{round_}-{j}-development/pause", b"")
        conn.getresponse().read()
ms = lambda v: v * 1000
print(f"fire_to_accepted n={len(accepted)} p50_ms={ms(statistics.median(accepted)):.0f} max_ms={ms(max(accepted)):.0f}")
print(f"fire_to_running  n={len(running)} p50_ms={ms(statistics.median(running)):.0f} max_ms={ms(max(running)):.0f}")
PY
