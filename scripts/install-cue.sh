#!/usr/bin/env bash
# Installs cue (the CUE CLI) and prints the path of its binary on stdout, for
# the CUE policy's test (crates/cdp-spark-domain tests/it/descriptor_policy.rs,
# which reads it from CDP_CUE). CUE is not packaged by Debian 12; it is built
# from source with `go install` through the Go module proxy (a minute or two
# the first time), by scripts/install-go-tool.sh (idempotent, never a
# half-written binary).
#
# Usage: CDP_CUE=$(scripts/install-cue.sh)
# Env:   CDP_CUE_VERSION     the cue version (default below; the Go proxy
#                            serves e.g. v0.12.1 v0.14.1 v0.16.1)
#        CDP_CUE_INSTALL_DIR where it goes (default: ~/.cache/cdp-spark)
set -euo pipefail

version=${CDP_CUE_VERSION:-v0.14.1}
base=${CDP_CUE_INSTALL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cdp-spark}
exec "$(dirname "$0")/install-go-tool.sh" cue cuelang.org/go/cmd/cue "$version" "$base" "-s -w" version
