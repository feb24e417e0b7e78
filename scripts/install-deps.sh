#!/usr/bin/env bash
# Installs what building, running and testing the provisioner needs on a
# Debian 12 machine. Idempotent: packages already present are not fetched
# again. Usage: scripts/install-deps.sh run|test
set -euo pipefail

mode=${1:-test}

# Build and run: pkg-config, the MariaDB client library for Diesel's MySQL
# backend and libpq for its PostgreSQL backend, Kerberos GSSAPI for
# hdfs-native.
packages=(pkg-config libmariadb-dev-compat libpq-dev libgssapi-krb5-2)
if [ "$mode" = test ]; then
  # Tests: real MariaDB and PostgreSQL servers, a JDK to build test jars,
  # the real Quartz 2.3.2 (the cron oracle and the job store's reference)
  # with the JDBC drivers of both databases, a real MIT Kerberos KDC (SPNEGO
  # towards the YARN ResourceManager), and Maven for the Hadoop mini cluster
  # (tests/hadoop, from Maven Central).
  packages+=(mariadb-server postgresql default-jdk-headless libquartz2-java libmariadb-java libpostgresql-jdbc-java krb5-kdc krb5-admin-server krb5-user maven)
  # The web console's browser tests (tests/it/console_browser.rs): Debian's
  # Chromium, driven through chromedriver (W3C WebDriver).
  packages+=(chromium chromium-driver)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Tests: cargo-nextest runs the suite (scripts/test.sh, .config/nextest.toml),
# from crates.io when missing. A debug build: it only starts and watches test
# processes, and compiles in about half the time of the release build.
if [ "$mode" = test ] && ! cargo nextest --version >/dev/null 2>&1; then
  echo "install-deps: installing cargo-nextest (cargo install --locked --debug)" >&2
  started=$(date +%s)
  cargo install cargo-nextest --locked --debug --quiet
  echo "install-deps: cargo-nextest installed in $(( $(date +%s) - started )) s" >&2
fi
