#!/usr/bin/env bash
# Starts a throw-away MariaDB on 127.0.0.1 (free port, temporary datadir) for
# the tests. Source it, then call `mariadb_start`; it exports
# CDP_TEST_MYSQL_URL (root, no password) and CDP_TEST_MYSQL_PORT and stops the
# server when the shell exits.

mariadb_start() {
  local base port sbin
  base=$(mktemp -d -t cdp-mariadb.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  sbin=/usr/sbin
  mariadb-install-db --no-defaults --datadir="$base/data" --auth-root-authentication-method=normal \
    --skip-test-db >"$base/install.log" 2>&1 || { cat "$base/install.log" >&2; return 1; }
  "$sbin/mariadbd" --no-defaults --datadir="$base/data" --socket="$base/sock" \
    --bind-address=127.0.0.1 --port="$port" --pid-file="$base/pid" --user=root \
    --innodb-buffer-pool-size=256M --max-connections=500 --skip-log-bin \
    --innodb-flush-log-at-trx-commit=2 >"$base/server.log" 2>&1 &
  MARIADB_PID=$!
  MARIADB_BASE=$base
  trap mariadb_stop EXIT
  for _ in $(seq 1 100); do
    if mariadb --no-defaults -h127.0.0.1 -P"$port" -uroot -e 'select 1' >/dev/null 2>&1; then
      export CDP_TEST_MYSQL_URL="mysql://root@127.0.0.1:$port"
      export CDP_TEST_MYSQL_PORT=$port
      echo "mariadb: up on 127.0.0.1:$port" >&2
      return 0
    fi
    sleep 0.1
  done
  cat "$base/server.log" >&2
  return 1
}

mariadb_stop() {
  if [ -n "${MARIADB_PID:-}" ]; then
    kill "$MARIADB_PID" 2>/dev/null || true
    wait "$MARIADB_PID" 2>/dev/null || true
    MARIADB_PID=
  fi
  [ -n "${MARIADB_BASE:-}" ] && rm -rf "$MARIADB_BASE"
}
