#!/usr/bin/env bash
# Installs helm (the Helm 3 CLI) and prints the path of its binary on stdout,
# for scripts/helm-test.sh. Helm is not packaged by Debian; it is built from
# source with `go install` through the Go module proxy (a few minutes the
# first time, mostly compiling Kubernetes' client libraries).
#
# Idempotent: nothing is built when that exact version is already there.
# The binary goes into its own folder, built under a temporary name and
# moved into place only once `helm version` answers, so that an interrupted
# build never leaves a half-written binary behind.
#
# Usage: HELM=$(scripts/install-helm.sh)
# Env:   CDP_HELM_VERSION     the helm version (default below; the Go proxy
#                             serves e.g. v3.18.6 v3.19.0 v3.20.2)
#        CDP_HELM_INSTALL_DIR where it goes (default: ~/.cache/cdp-spark)
set -euo pipefail

version=${CDP_HELM_VERSION:-v3.19.0}
case "$version" in v*) ;; *) version="v$version" ;; esac
base=${CDP_HELM_INSTALL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cdp-spark}
target="$base/helm-$version"
helm="$target/helm"

if [ ! -x "$helm" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "install-helm: go is needed to build helm (apt-get install golang, or https://go.dev/dl/)" >&2
    exit 1
  fi
  echo "install-helm: building helm $version into $target (go install, a few minutes the first time)" >&2
  tmp="$target.partial.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  # -mod=mod: helm's go.mod is resolved as published, whatever GOFLAGS the
  # caller's environment has; CGO off gives a static binary, as helm's own
  # release builds are.
  GOBIN="$tmp" GOFLAGS=-mod=mod CGO_ENABLED=0 \
    go install -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$version" \
    "helm.sh/helm/v3/cmd/helm@$version" >&2
  "$tmp/helm" version --short >/dev/null
  mkdir -p "$target"
  mv -f "$tmp/helm" "$helm"
fi

echo "$helm"
