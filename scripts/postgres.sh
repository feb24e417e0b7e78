#!/usr/bin/env bash
# Starts a throw-away PostgreSQL (Debian's postgresql-15) on 127.0.0.1 (free
# port, temporary data directory, trust authentication; pg_ctl runs it in the
# background) for the tests. Source
# it, then call `postgres_start`; it exports CDP_TEST_PG_URL (user postgres,
# no password, no database) and CDP_TEST_PG_PORT and stops the server when the
# shell exits. initdb and postgres refuse to run as root: as root they run as
# the `postgres` user (runuser), which owns the temporary directory.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

postgres_start() {
  local base port previous_trap
  local as=()
  base=$(mktemp -d -t cdp-postgres.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "postgres.sh: no user postgres (install postgresql)" >&2; return 1; }
    chown postgres: "$base"
    as=(runuser -u postgres --)
  fi
  # C collation: text sorts by code point, as with MariaDB's utf8mb4_bin.
  "${as[@]}" "$PG_BIN/initdb" -D "$base/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$base/initdb.log" 2>&1 || { cat "$base/initdb.log" >&2; return 1; }
  "${as[@]}" "$PG_BIN/pg_ctl" start -D "$base/data" -l "$base/server.log" -w -t 30 -o \
    "-h 127.0.0.1 -p $port -k $base -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=128MB -c lc_messages=C" \
    >"$base/pg_ctl.log" 2>&1 || { cat "$base/pg_ctl.log" "$base/server.log" >&2; return 1; }
  POSTGRES_AS=("${as[@]}")
  POSTGRES_BASE=$base
  # Keep whatever the shell already stops on exit (mariadb.sh's server).
  previous_trap=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
  # shellcheck disable=SC2064
  trap "postgres_stop; ${previous_trap:-:}" EXIT
  for _ in $(seq 1 100); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then
      export CDP_TEST_PG_URL="postgres://postgres@127.0.0.1:$port"
      export CDP_TEST_PG_PORT=$port
      echo "postgres: up on 127.0.0.1:$port" >&2
      return 0
    fi
    sleep 0.1
  done
  cat "$base/server.log" >&2
  return 1
}

postgres_stop() {
  if [ -n "${POSTGRES_BASE:-}" ]; then
    # Fast shutdown: open sessions are ended, the server waits for nothing.
    "${POSTGRES_AS[@]}" "$PG_BIN/pg_ctl" stop -D "$POSTGRES_BASE/data" -m fast -w >/dev/null 2>&1 || true
    rm -rf "$POSTGRES_BASE"
  fi
  POSTGRES_BASE=
}
