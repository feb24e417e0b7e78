#!/usr/bin/env bash
# The Helm chart (helm/) tested with a real helm (scripts/install-helm.sh):
#   1. `helm lint --strict` with the default values, the production example
#      (helm/examples/production.yaml), secrets given as values and SQLite
#      on a claim;
#   2. `helm template` of each, every manifest decoded strictly into its
#      Kubernetes API type (scripts/k8s-strict: no unknown field, valid
#      quantities, names and labels), then checked by scripts/helm-checks.py
#      (probes, security context, mounts, secrets only through secretKeyRef
#      and never in a ConfigMap, replicas, image reference, Kerberos and
#      Hadoop files, the ServiceMonitor, the custom root CA);
#   3. settings the chart must refuse, each with the message naming the value;
#   4. the real binary on the rendered files and environment: the production
#      example's configuration accepted up to the job store (no database
#      here), the defaults serving /health, /ready and /metrics as the probes
#      and the ServiceMonitor expect.
# Fails on the first violated check, saying which. Takes seconds once helm
# is built (a few minutes the first time, through `go install`).
# Usage: scripts/helm-test.sh     Env: HELM (a helm binary; default: installed)
set -euo pipefail
cd "$(dirname "$0")/.."

helm=${HELM:-$(scripts/install-helm.sh)}
chart=helm
app_version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
chart_app_version=$(sed -n 's/^appVersion: "\(.*\)"/\1/p' "$chart/Chart.yaml")
if [ "$app_version" != "$chart_app_version" ]; then
  echo "helm-test: FAILED: helm/Chart.yaml appVersion is '$chart_app_version', the workspace's version (Cargo.toml) is '$app_version'" >&2
  exit 1
fi

# PyYAML, pinned, in a virtualenv of its own (Python's standard library
# reads no YAML).
venv=target/helm-venv
if ! "$venv/bin/python" -c 'import yaml' 2>/dev/null; then
  python3 -m venv "$venv" || {
    echo "helm-test: python3 -m venv failed: install Python's venv module (Debian: apt-get install python3-venv)" >&2
    exit 1
  }
  "$venv/bin/pip" install -q --disable-pip-version-check 'PyYAML==6.0.3'
fi
python="$venv/bin/python"

# The manifests' strict decoder (scripts/k8s-strict: Kubernetes' own Go
# types, from the Go module proxy like helm's): seconds once built.
(cd scripts/k8s-strict && GOFLAGS=-mod=readonly go build -o ../../target/k8s-strict .)

work=$(mktemp -d -t cdp-helm.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The values of each case (the secrets are made up: the checks look for
# them in clear anywhere but the Secret).
declare -A case_args=(
  [default]=""
  [production]="-f $chart/examples/production.yaml"
  [created-secrets]="--set replicas=2 --set secrets.databaseUrl=mysql://prov:s3cr3t-db-pass@db:3306/p --set secrets.coordinatorToken=coordinator-s3cr3t"
  [sqlite-persistent]="--set persistence.enabled=true --set persistence.size=5Gi"
)
for case in default production created-secrets sqlite-persistent; do
  # shellcheck disable=SC2086 # the arguments are words
  "$helm" lint --strict --quiet "$chart" ${case_args[$case]} >"$work/lint.log" 2>&1 || {
    cat "$work/lint.log" >&2
    echo "helm-test: FAILED: helm lint --strict ($case)" >&2
    exit 1
  }
  # shellcheck disable=SC2086
  "$helm" template spark-provisioner "$chart" --namespace witboost ${case_args[$case]} >"$work/$case.yaml"
  target/k8s-strict "$work/$case.yaml" || {
    echo "helm-test: FAILED: the $case manifests are not valid Kubernetes objects" >&2
    exit 1
  }
  "$python" scripts/helm-checks.py "$case" "$work/$case.yaml" "$app_version"
done
echo "helm-test: lint --strict, strict decoding and template checks green (default, production, created-secrets, sqlite-persistent)" >&2

# What the chart refuses: `helm template` fails with a message naming the value.
refuse() {
  local want=$1
  shift
  if "$helm" template spark-provisioner "$chart" "$@" >"$work/refused.yaml" 2>"$work/refused.log"; then
    echo "helm-test: FAILED: the chart accepted $* (it must refuse: $want)" >&2
    exit 1
  fi
  if ! grep -qF -- "$want" "$work/refused.log"; then
    cat "$work/refused.log" >&2
    echo "helm-test: FAILED: refusing $*, the message does not say '$want'" >&2
    exit 1
  fi
}
refuse "need a shared database" --set replicas=3
refuse "replicas must be at least 1" --set replicas=0
refuse "give auth tokens through secrets" --set-string 'configOverride=[auth]
coordinator_token = "abc"'
refuse "a URL with a password" --set-string 'configOverride=[store]
url = "mysql://prov:pw@db:3306/p"'
refuse "not both" --set secrets.existingSecret=s --set secrets.statusToken=t
refuse "image.digest must be" --set image.digest=latest
refuse "is not a file name" --set 'hadoopConf.files.a/b=x'
echo "helm-test: 7 refusals green" >&2

# The binary on what the container would see (scripts/helm-checks.py
# materialize: the ConfigMaps' files, the configuration and the literal
# variables, mount paths moved under a scratch folder; the data folder and
# the port moved by the flags, which win over both).
cargo build -q -p cdp-spark-provisioner
start_binary() { # ROOT [VAR=VALUE...]: starts serve on ROOT's files
  local root=$1
  shift
  (
    # shellcheck source=/dev/null
    source "$root/env"
    for kv in "$@"; do export "${kv?}"; done
    exec target/debug/cdp-spark-provisioner serve --config "$root/config.toml" \
      --bind 127.0.0.1:0 --data-dir "$root/data" >"$root/stdout" 2>"$root/stderr"
  ) &
  server_pid=$!
}

# 1. The production example: every key of its configuration is accepted, the
# Hadoop configuration read, Kerberos set up from the mounted files, up to
# the job store, which is not there (port 9 of this machine).
"$python" scripts/helm-checks.py materialize "$work/production.yaml" "$work/prod"
start_binary "$work/prod" 'CDP_SPARK_PROVISIONER__STORE__URL=mysql://prov:pw@127.0.0.1:9/provisioner' \
  CDP_SPARK_PROVISIONER__STORE__CONNECT_TIMEOUT_SECS=1
wait "$server_pid" && status=0 || status=$?
server_pid=
if [ "$status" = 0 ] || grep -q 'invalid configuration' "$work/prod/stderr" \
  || ! grep -q 'nameservice1 (NameNodes nn1.example.com:8020, nn2.example.com:8020)' "$work/prod/stderr" \
  || ! grep -q 'the job store at mysql://prov:\*\*\*@127.0.0.1:9/provisioner could not be opened' "$work/prod/stderr"; then
  cat "$work/prod/stderr" >&2
  echo "helm-test: FAILED: the production example's configuration did not take the binary up to its job store" >&2
  exit 1
fi
echo "helm-test: the binary accepts the production example's configuration and mounts (up to the job store)" >&2

# 2. The defaults: it starts and serves /health, /ready and /metrics.
"$python" scripts/helm-checks.py materialize "$work/default.yaml" "$work/def"
start_binary "$work/def"
base=
for _ in $(seq 1 200); do
  base=$(sed -n 's/^cdp-spark-provisioner listening on //p' "$work/def/stdout" | head -1)
  [ -n "$base" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/def/stderr" >&2
    echo "helm-test: FAILED: the binary did not start on the chart's default configuration" >&2
    exit 1
  fi
  sleep 0.1
done
[ -n "$base" ] || { echo "helm-test: FAILED: the binary did not say where it listens" >&2; exit 1; }
for route in /health /ready; do
  body=$(curl -fsS --max-time 5 "$base$route") || { echo "helm-test: FAILED: GET $route" >&2; exit 1; }
  [ "$body" = '{"status":"UP"}' ] || { echo "helm-test: FAILED: GET $route answered $body" >&2; exit 1; }
done
curl -fsS --max-time 5 -D "$work/metrics.head" -o "$work/metrics" "$base/metrics" \
  || { echo "helm-test: FAILED: GET /metrics" >&2; exit 1; }
grep -qi '^content-type: application/openmetrics-text' "$work/metrics.head" \
  || { echo "helm-test: FAILED: /metrics is not OpenMetrics text" >&2; exit 1; }
grep -q '^# EOF' "$work/metrics" || { echo "helm-test: FAILED: /metrics has no '# EOF' line" >&2; exit 1; }
grep -q '"level":"INFO"' "$work/def/stderr" \
  || { echo "helm-test: FAILED: the chart's configuration did not give JSON logs" >&2; exit 1; }
echo "helm-test: the binary serves /health, /ready and /metrics on the chart's default configuration" >&2
echo "helm-test: green"
