#!/usr/bin/env bash
# Builds a Go command-line tool with `go install` through the Go module proxy
# and prints the path of its binary on stdout: what scripts/install-helm.sh
# and scripts/install-cue.sh share (neither tool is packaged by Debian 12).
#
# Idempotent: nothing is built when that exact version is already there.
# The binary goes into its own folder (<dir>/<name>-<version>/<name>), built
# under a temporary name and moved into place only once `<name> <check…>`
# answers, so that an interrupted build never leaves a half-written binary.
#
# Usage: scripts/install-go-tool.sh NAME PACKAGE VERSION INSTALL_DIR "LDFLAGS" CHECK_ARG...
#   e.g. scripts/install-go-tool.sh cue cuelang.org/go/cmd/cue v0.14.1 ~/.cache/cdp-spark "-s -w" version
set -euo pipefail

if [ $# -lt 6 ]; then
  echo "usage: $0 NAME PACKAGE VERSION INSTALL_DIR LDFLAGS CHECK_ARG..." >&2
  exit 2
fi
name=$1 package=$2 version=$3 base=$4 ldflags=$5
shift 5
case "$version" in v*) ;; *) version="v$version" ;; esac
target="$base/$name-$version"
binary="$target/$name"

if [ ! -x "$binary" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "install-$name: go is needed to build $name (apt-get install golang, or https://go.dev/dl/)" >&2
    exit 1
  fi
  echo "install-$name: building $name $version into $target (go install, minutes the first time)" >&2
  tmp="$target.partial.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  # -mod=mod: the tool's go.mod is resolved as published, whatever GOFLAGS
  # the caller's environment has; CGO off gives a static binary, as the
  # tools' own release builds are.
  GOBIN="$tmp" GOFLAGS=-mod=mod CGO_ENABLED=0 \
    go install -ldflags "$ldflags" "$package@$version" >&2
  "$tmp/$name" "$@" >/dev/null
  mkdir -p "$target"
  mv -f "$tmp/$name" "$binary"
fi

echo "$binary"
