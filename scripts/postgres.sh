#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on a free loopback port for the tests: initdb into a
# temporary folder, run as the `postgres` system user, removed by `stop`. Roles as production
# should have them: `pochta_owner` owns the databases and runs the migrations; the app logs in
# as `pochta_web`, a member of `pochta_app`, which owns nothing (row-level security applies).
#
#   scripts/postgres.sh start   # writes $BASE/env with the URLs
#   scripts/postgres.sh stop
set -euo pipefail

BASE=${POCHTA_TEST_PG_BASE:-/var/tmp/pochta-test-pg}
BIN=${POCHTA_PG_BIN:-/usr/lib/postgresql/15/bin}

say() { printf '\033[1;36m[postgres]\033[0m %s\n' "$*"; }

stop() {
  if [ -f "$BASE/data/postmaster.pid" ]; then
    runuser -u postgres -- "$BIN/pg_ctl" -D "$BASE/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$BASE"
}

start() {
  stop
  mkdir -p "$BASE/run"
  chown -R postgres:postgres "$BASE"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  runuser -u postgres -- "$BIN/initdb" -D "$BASE/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- "$BIN/pg_ctl" -D "$BASE/data" -l "$BASE/postgres.log" -w \
    -o "-p $port -k $BASE/run -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400" start >/dev/null
  local psql=("$BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -q)
  "${psql[@]}" -d postgres <<'SQL'
CREATE ROLE pochta_owner LOGIN CREATEDB;
CREATE ROLE pochta_app NOLOGIN;
CREATE ROLE pochta_web LOGIN IN ROLE pochta_app;
SQL
  cat >"$BASE/env" <<EOF
export POCHTA_TEST_PG_PORT=$port
export POCHTA_TEST_PG_DATA=$BASE/data
export POCHTA_TEST_PG_ADMIN_URL=postgres://postgres@127.0.0.1:$port/postgres
export POCHTA_TEST_PG_OWNER=pochta_owner
export POCHTA_TEST_PG_APP=pochta_web
EOF
  say "PostgreSQL 15 is up on 127.0.0.1:$port (see $BASE/env)"
}

case "${1:-}" in
  start) start ;;
  stop) stop; say "stopped" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
