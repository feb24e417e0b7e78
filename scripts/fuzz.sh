#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer through cargo-fuzz, nightly Rust) of the
# parsers that read what callers send: descriptors, Quartz cron expressions,
# jars and class files (fuzz/). Bounded in time; not part of every CI run
# (the corpora are replayed on stable by crates/cdp-spark-domain/tests/it/fuzz_corpus.rs).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    (default 300 s each; all targets)
#   scripts/fuzz.sh --save [SECONDS] [TARGET...]
#
# Each target runs from a working copy of its corpus (fuzz/corpus/TARGET)
# with a 64 MB malloc limit (any single allocation larger is a failure: no
# input may allocate past a fixed budget), a 1 GB RSS limit and a 10 s
# per-input timeout (a hang is a failure). The last lines give, per target,
# executions, executions per second, coverage (edges) and features, and the
# number of crashes, hangs and out-of-memory inputs found (saved in
# fuzz/artifacts/TARGET). With --save the grown corpus is minimised
# (cargo fuzz cmin) back into fuzz/corpus/TARGET.
# Needs: rustup with a nightly toolchain, cargo-fuzz (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

save=false
if [ "${1:-}" = "--save" ]; then
  save=true
  shift
fi
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(descriptor cron jar classfile)

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz: installing the nightly toolchain (libFuzzer needs it)" >&2
  rustup toolchain install nightly --profile minimal >&2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked >&2
fi

export CARGO_TARGET_DIR=$PWD/target/fuzz
for target in "${targets[@]}"; do
  (cd fuzz && cargo +nightly fuzz build -O "$target" >&2)
done

work=$(mktemp -d -t cdp-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
summary=()
status=0
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target" "$work/$target"
  cp -r "fuzz/corpus/$target/." "$work/$target/"
  log="$work/$target.log"
  # Findings of this run only: older ones (kept until fixed and moved to
  # fuzz/regressions) are not counted again.
  touch "$work/$target.start"
  echo "fuzz: $target for $seconds s" >&2
  set +e
  (cd fuzz && cargo +nightly fuzz run -O "$target" "$work/$target" -- \
    -max_total_time="$seconds" -malloc_limit_mb=64 -rss_limit_mb=1024 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$PWD/artifacts/$target/" \
    >"$log" 2>&1)
  code=$?
  set -e
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n1)
  rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1 | grep -oE '[0-9]+')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -n1 | grep -oE '[0-9]+')
  crashes=$(find "fuzz/artifacts/$target" -name 'crash-*' -newer "$work/$target.start" | wc -l)
  hangs=$(find "fuzz/artifacts/$target" -name 'timeout-*' -newer "$work/$target.start" | wc -l)
  ooms=$(find "fuzz/artifacts/$target" -name 'oom-*' -newer "$work/$target.start" | wc -l)
  corpus=$(find "$work/$target" -type f | wc -l)
  if [ "$code" -ne 0 ]; then
    status=1
    echo "fuzz: $target stopped with $code; its log:" >&2
    tail -n 40 "$log" >&2
  fi
  if $save; then
    (cd fuzz && cargo +nightly fuzz cmin -O "$target" "$work/$target" >/dev/null 2>&1) || true
    rm -rf "fuzz/corpus/$target"
    mkdir -p "fuzz/corpus/$target"
    cp -r "$work/$target/." "fuzz/corpus/$target/"
  fi
  summary+=("fuzz $target: runs=${runs:-0} exec_per_s=${rate:-0} cov=${cov:-0} ft=${ft:-0} corpus=$corpus crashes=$crashes hangs=$hangs ooms=$ooms exit=$code")
done
printf '%s\n' "${summary[@]}"
exit "$status"
