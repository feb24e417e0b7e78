#!/usr/bin/env bash
# Installs helm (the Helm 3 CLI) and prints the path of its binary on stdout,
# for scripts/helm-test.sh. Helm is not packaged by Debian; it is built from
# source with `go install` through the Go module proxy (a few minutes the
# first time, mostly compiling Kubernetes' client libraries), by
# scripts/install-go-tool.sh (idempotent, never a half-written binary).
#
# Usage: HELM=$(scripts/install-helm.sh)
# Env:   CDP_HELM_VERSION     the helm version (default below; the Go proxy
#                             serves e.g. v3.18.6 v3.19.0 v3.20.2)
#        CDP_HELM_INSTALL_DIR where it goes (default: ~/.cache/cdp-spark)
set -euo pipefail

version=${CDP_HELM_VERSION:-v3.19.0}
case "$version" in v*) ;; *) version="v$version" ;; esac
base=${CDP_HELM_INSTALL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cdp-spark}
exec "$(dirname "$0")/install-go-tool.sh" helm helm.sh/helm/v3/cmd/helm "$version" "$base" \
  "-s -w -X helm.sh/helm/v3/internal/version.version=$version" version --short
