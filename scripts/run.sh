#!/usr/bin/env bash
# Builds the provisioner and starts it on its embedded defaults. Extra
# arguments are passed to the binary instead (e.g. `validate --descriptor F`).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh run
cargo build --release --locked -q -p cdp-spark-provisioner
bin=target/release/cdp-spark-provisioner

if [ $# -eq 0 ]; then
  if "$bin" serve --help >/dev/null 2>&1; then
    exec "$bin" serve
  fi
  # No HTTP server in this build yet: show what the binary can do.
  exec "$bin" --help
fi
exec "$bin" "$@"
