#!/usr/bin/env bash
# Installs cue (the CUE CLI) and prints the path of its binary on stdout, for
# the CUE policy's test (crates/cdp-spark-provisioner tests/cue_policy.rs,
# which reads it from CDP_CUE). CUE is not packaged by Debian 12; it is built
# from source with `go install` through the Go module proxy (a minute or two
# the first time).
#
# Idempotent: nothing is built when that exact version is already there.
# The binary goes into its own folder, built under a temporary name and
# moved into place only once `cue version` answers, so that an interrupted
# build never leaves a half-written binary behind.
#
# Usage: CDP_CUE=$(scripts/install-cue.sh)
# Env:   CDP_CUE_VERSION     the cue version (default below; the Go proxy
#                            serves e.g. v0.12.1 v0.14.1 v0.16.1)
#        CDP_CUE_INSTALL_DIR where it goes (default: ~/.cache/cdp-spark)
set -euo pipefail

version=${CDP_CUE_VERSION:-v0.14.1}
case "$version" in v*) ;; *) version="v$version" ;; esac
base=${CDP_CUE_INSTALL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cdp-spark}
target="$base/cue-$version"
cue="$target/cue"

if [ ! -x "$cue" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "install-cue: go is needed to build cue (apt-get install golang, or https://go.dev/dl/)" >&2
    exit 1
  fi
  echo "install-cue: building cue $version into $target (go install, a minute or two the first time)" >&2
  tmp="$target.partial.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  # -mod=mod: cue's go.mod is resolved as published, whatever GOFLAGS the
  # caller's environment has; CGO off gives a static binary, as cue's own
  # release builds are.
  GOBIN="$tmp" GOFLAGS=-mod=mod CGO_ENABLED=0 \
    go install -ldflags "-s -w" "cuelang.org/go/cmd/cue@$version" >&2
  "$tmp/cue" version >/dev/null
  mkdir -p "$target"
  mv -f "$tmp/cue" "$cue"
fi

echo "$cue"
