#!/usr/bin/env bash
# Contract test of the HTTP API with schemathesis (PyPI): starts
# `cdp-spark-provisioner serve` on 127.0.0.1 (SQLite in a temporary folder)
# and checks that
#   1. the served /openapi.json is a valid OpenAPI document;
#   2. no answer of a Witboost route breaks the 2.2.0 contract
#      (tests/fixtures/contracts/witboost-specific-provisioner-2.2.0.yaml):
#      status codes, content types, headers and bodies as documented, and
#      no 5xx except the documented SystemError answers of /v1/updateacl and
#      /v1/reverse-provisioning (which this provisioner does not support);
#   3. the job status API and the service routes answer as our own
#      /openapi.json documents them.
# Usage: scripts/contract-test.sh [MAX_EXAMPLES]   (default 50 per operation)
set -euo pipefail
cd "$(dirname "$0")/.."

max_examples=${1:-50}
contract=tests/fixtures/contracts/witboost-specific-provisioner-2.2.0.yaml
if [ ! -f "$contract" ]; then
  echo "contract-test: the contract $contract is missing from the repository (git checkout -- $contract)" >&2
  exit 1
fi

# schemathesis in a virtualenv of its own, pinned.
venv=target/contract-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv" || {
    echo "contract-test: python3 -m venv failed: install Python's venv module (Debian: apt-get install python3-venv)" >&2
    exit 1
  }
  "$venv/bin/pip" install -q --disable-pip-version-check \
    'schemathesis==4.32.5' 'openapi-spec-validator==0.7.2'
fi

cargo build -q -p cdp-spark-provisioner
work=$(mktemp -d -t cdp-contract.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

CDP_SPARK_PROVISIONER__LOG__LEVEL=warn CDP_SPARK_PROVISIONER__SCHEDULER__ENABLED=false \
  target/debug/cdp-spark-provisioner serve --bind 127.0.0.1:0 --data-dir "$work/data" \
  >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
base=
for _ in $(seq 1 200); do
  base=$(sed -n 's/^cdp-spark-provisioner listening on //p' "$work/stdout" | head -1)
  [ -n "$base" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/stderr" >&2
    echo "contract-test: the server did not start" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$base" ]; then
  echo "contract-test: the server did not say where it listens" >&2
  exit 1
fi
echo "contract-test: server at $base" >&2

# 1. The document validates.
"$venv/bin/python" - "$base/openapi.json" <<'EOF'
import json, sys, urllib.request
from openapi_spec_validator import validate
with urllib.request.urlopen(sys.argv[1]) as res:
    validate(json.load(res))
print("contract-test: /openapi.json is a valid OpenAPI document", file=sys.stderr)
EOF

contract=$(realpath "$contract")
# schemathesis keeps a .schemathesis/ folder in its working directory: the
# scratch folder, not the repository.
st() { (cd "$work" && "$root/$venv/bin/schemathesis" run --max-examples "$max_examples" --no-color --warnings off "$@"); }
root=$(pwd)
# Not checked: positive_data_acceptance (a random descriptor is rightly
# refused with 400) and negative_data_rejection (removeData is accepted
# when missing, as its documented default false), ignored_auth (no tokens
# configured here; auth is tested in tests/it/http_errors.rs).
conformance="not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,unsupported_method,allow_header_conformance,missing_required_header"

# 2a. Every Witboost route but the two unsupported ones: nothing off-contract, no 5xx.
st "$contract" --url "$base" --checks "$conformance" \
  --exclude-path /v1/updateacl --exclude-path /v1/reverse-provisioning
# 2b. The unsupported ones: always the documented 500 SystemError.
st "$contract" --url "$base" --checks "${conformance#not_a_server_error,}" \
  --include-path /v1/updateacl --include-path /v1/reverse-provisioning
# 3. The job status API and the service routes, against our own document.
st "$base/openapi.json" --checks "$conformance" \
  --include-tag JobStatus --include-tag Service

echo "contract-test: no response breaks the contract" >&2
