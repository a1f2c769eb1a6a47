#!/usr/bin/env bash
# A throwaway PostgreSQL for the store tests: `start` installs the server from Debian's
# packages when it is missing, creates a cluster in a folder of its own, listens on
# 127.0.0.1 only, and prints the URL of the dfw_test database; `stop` stops it; `url` prints
# the URL. Trust authentication, so never point it at anything but loopback.
#
#   scripts/postgres.sh start|stop|status|url|pgbouncer
#   DFW_PG_PORT (default 55432), DFW_PG_DIR (default .tools/pg, or /tmp/dfw-pg-<port> when
#   the postgres user cannot reach the project folder), DFW_PGBOUNCER_PORT (default 56432).
#
# `pgbouncer` starts the server if need be, then PgBouncer (Debian's package) in
# transaction mode in front of it, and prints the URL of the dfw_pgbouncer database through
# it: what the tests of dfw behind a pooler use. `stop` stops both.
#
# Only the URL goes to stdout, so `url=$(scripts/postgres.sh start)` works; the rest goes
# to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT="${DFW_PG_PORT:-55432}"
DB=dfw_test
SUPERUSER=postgres
URL="postgres://${SUPERUSER}@127.0.0.1:${PORT}/${DB}"

say() { echo "postgres.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

# The newest server installed in Debian's layout, else whatever initdb is on PATH.
find_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then echo "$dir"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return 0
  fi
  return 1
}

install_server() {
  [ "$(id -u)" = 0 ] || die "PostgreSQL server binaries not found; install them (apt-get install postgresql) or set DFW_TEST_POSTGRES_URL"
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL server binaries not found and apt-get is not available"
  say "installing PostgreSQL from Debian's packages (apt-get install postgresql)..."
  # Output to stderr: stdout carries only the URL.
  DEBIAN_FRONTEND=noninteractive apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
}

BINDIR="$(find_bindir || true)"

# initdb and postgres refuse to run as root: as root, the cluster belongs to the postgres
# user (created by Debian's package) and every server command runs as that user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u "$SUPERUSER" -- "$@")
  else
    "$@"
  fi
}

choose_dir() {
  if [ -n "${DFW_PG_DIR:-}" ]; then echo "$DFW_PG_DIR"; return; fi
  local local_dir="$ROOT/.tools/pg"
  if [ "$(id -u)" != 0 ]; then echo "$local_dir"; return; fi
  # The postgres user must be able to reach its data folder through every parent.
  mkdir -p "$local_dir"
  if runuser -u "$SUPERUSER" -- test -x "$local_dir" 2>/dev/null; then echo "$local_dir"; else echo "/tmp/dfw-pg-$PORT"; fi
}

need_server() {
  if [ -z "$BINDIR" ]; then
    install_server
    BINDIR="$(find_bindir)" || die "PostgreSQL was installed but its server binaries were not found"
  fi
  if [ "$(id -u)" = 0 ] && ! id "$SUPERUSER" >/dev/null 2>&1; then
    die "running as root needs a '$SUPERUSER' user to own the cluster (Debian's postgresql package creates it)"
  fi
}

setup_paths() {
  BASE="$(choose_dir)"
  DATA="$BASE/data"
  SOCKETS="$BASE/run"
  LOG="$BASE/postgres.log"
  mkdir -p "$BASE"
}

running() { [ -n "$BINDIR" ] && [ -f "$DATA/PG_VERSION" ] && as_owner "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

psql_admin() { as_owner "$BINDIR/psql" -X -q -w -h 127.0.0.1 -p "$PORT" -U "$SUPERUSER" -d postgres -v ON_ERROR_STOP=1 "$@"; }

start() {
  need_server
  setup_paths
  # Two callers at once (two test files) must not both run initdb.
  exec 9>"$BASE/.lock"
  flock 9
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$SOCKETS"
    chown "$SUPERUSER" "$BASE" "$SOCKETS"
  else
    mkdir -p "$SOCKETS"
  fi
  chmod 700 "$SOCKETS"

  if running; then
    say "already running (data $DATA)"
  elif "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then
    # Another test cluster (say, of another clone) already serves this port. Tests work in
    # schemas of their own, so sharing it is harmless, if it lets us in as the superuser.
    psql_admin -tAc 'SELECT 1' >/dev/null 2>&1 \
      || die "port $PORT on 127.0.0.1 is taken by a server that refuses $SUPERUSER without a password; set DFW_PG_PORT"
    say "using the PostgreSQL already listening on 127.0.0.1:$PORT (not started by this folder)"
  else
    if [ ! -f "$DATA/PG_VERSION" ]; then
      say "creating a cluster in $DATA"
      rm -rf "$DATA"
      as_owner "$BINDIR/initdb" -D "$DATA" -U "$SUPERUSER" --auth=trust --encoding=UTF8 --no-locale >"$BASE/initdb.log" 2>&1 \
        || { cat "$BASE/initdb.log" >&2; die "initdb failed"; }
    fi
    say "starting PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (data $DATA)"
    # 9>&-: the server must not inherit the lock, or it would hold it for its lifetime.
    as_owner "$BINDIR/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$SOCKETS" start >&2 9>&- \
      || { tail -n 30 "$LOG" >&2 || true; die "the server did not start"; }
  fi

  if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    psql_admin -c "CREATE DATABASE $DB"
  fi
  echo "$URL"
}

PGB_PORT="${DFW_PGBOUNCER_PORT:-56432}"
PGB_DB=dfw_pgbouncer

pgbouncer_start() {
  start >/dev/null
  if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
    [ "$(id -u)" = 0 ] || die "pgbouncer not found; install it (apt-get install pgbouncer)"
    say "installing PgBouncer from Debian's packages (apt-get install pgbouncer)..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pgbouncer >&2 \
      || { DEBIAN_FRONTEND=noninteractive apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pgbouncer >&2; }
  fi
  local bin; bin="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
  # Debian starts a system-wide PgBouncer on install: the tests use their own.
  if command -v systemctl >/dev/null 2>&1; then systemctl stop pgbouncer >/dev/null 2>&1 || true; fi
  if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$PGB_DB'")" != 1 ]; then
    psql_admin -c "CREATE DATABASE $PGB_DB"
  fi
  local dir="$BASE/pgbouncer"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown "$SUPERUSER" "$dir"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
$PGB_DB = host=127.0.0.1 port=$PORT dbname=$PGB_DB user=$SUPERUSER
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 4
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  if [ -f "$dir/pgbouncer.pid" ] && kill -0 "$(cat "$dir/pgbouncer.pid")" 2>/dev/null; then
    say "PgBouncer already running on 127.0.0.1:$PGB_PORT"
  elif "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PGB_PORT" -d "$PGB_DB" 2>/dev/null; then
    # Another clone's PgBouncer in front of the same shared server, as with PostgreSQL itself.
    say "using the PgBouncer already listening on 127.0.0.1:$PGB_PORT (not started by this folder)"
  else
    as_owner "$bin" -d "$dir/pgbouncer.ini" >&2 9>&- || die "PgBouncer did not start (log: $dir/pgbouncer.log)"
    for _ in $(seq 1 50); do "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PGB_PORT" -d "$PGB_DB" 2>/dev/null && break; sleep 0.1; done
    say "PgBouncer (transaction mode) on 127.0.0.1:$PGB_PORT in front of 127.0.0.1:$PORT"
  fi
  echo "postgres://${SUPERUSER}@127.0.0.1:${PGB_PORT}/${PGB_DB}"
}

stop() {
  setup_paths
  if [ -f "$BASE/pgbouncer/pgbouncer.pid" ] && kill -0 "$(cat "$BASE/pgbouncer/pgbouncer.pid")" 2>/dev/null; then
    kill "$(cat "$BASE/pgbouncer/pgbouncer.pid")" || true
  fi
  if running; then
    as_owner "$BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >&2
  else
    say "not running"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) setup_paths; if running; then say "running on 127.0.0.1:$PORT (data $DATA)"; else say "not running"; exit 3; fi ;;
  url) echo "$URL" ;;
  pgbouncer) need_server; setup_paths; pgbouncer_start ;;
  *) echo "usage: $0 start|stop|status|url|pgbouncer" >&2; exit 2 ;;
esac
