#!/usr/bin/env bash
# The one test command: installs and starts what the tests need, then runs every test project.
#   ./test.sh                 run all tests
#   ./test.sh --filter NAME   pass extra arguments to `dotnet test`
# It installs postgresql, redis-server and chromium from Debian packages when they are missing (root, or sudo),
# starts throw-away servers on private ports under .ci-data/, exports their addresses to the tests,
# and stops them on exit. Under CI=true a server that cannot be started fails the run.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$PWD"
DATA="$ROOT/.ci-data"
PG_PORT="${EBL_PG_PORT:-55432}"
REDIS_PORT="${EBL_REDIS_PORT:-56379}"
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

log() { echo "[test.sh] $*"; }

install_packages() {
  local missing=()
  command -v pg_ctl >/dev/null 2>&1 || [ -x /usr/lib/postgresql/*/bin/pg_ctl ] 2>/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} from Debian packages"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Hugging Face's own tokenizers (npm) are the reference the embedding tests compare token ids with.
install_node_reference() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "installing nodejs and npm from Debian packages"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
  fi
  command -v node >/dev/null 2>&1 || return 1
  (cd "$ROOT/tools/hf-reference" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

# Headless Chromium lays report.html out, so a test can check the verdict is on the first screen.
install_chromium() {
  if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
    log "installing chromium from Debian packages"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

start_postgres() {
  local bin; bin="$(pg_bin)"
  [ -n "$bin" ] || return 1
  local dir="$DATA/pg"
  rm -rf "$dir" && mkdir -p "$dir"
  # initdb refuses to run as root; the Debian package creates the postgres user for this.
  local as=()
  if [ "$(id -u)" = "0" ]; then chown -R postgres:postgres "$DATA" 2>/dev/null || true; chmod 755 "$DATA"; as=(runuser -u postgres --); fi
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U ebl --auth=trust --no-sync -E UTF8 >/dev/null
  cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  # Password auth over TCP, so the tests can check that a wrong password is refused (and never printed).
  printf 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n' > "$dir/data/pg_hba.conf"
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null
  "${as[@]}" "$bin/psql" -h "$dir" -p "$PG_PORT" -U ebl -d postgres -qc "ALTER USER ebl PASSWORD 'ebl-test-pw'" >/dev/null
  "${as[@]}" "$bin/psql" -h "$dir" -p "$PG_PORT" -U ebl -d postgres -qc "CREATE DATABASE ebl_test" >/dev/null
  export EBL_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=ebl;Password=ebl-test-pw;Database=ebl_test"
  STOP_PG=("${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop)
  log "PostgreSQL ready on 127.0.0.1:$PG_PORT"
}

start_redis() {
  command -v redis-server >/dev/null 2>&1 || return 1
  mkdir -p "$DATA/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$DATA/redis" --pidfile "$DATA/redis/redis.pid" --logfile "$DATA/redis/log" >/dev/null
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || return 1
  export EBL_TEST_REDIS="127.0.0.1:$REDIS_PORT"
  log "Redis ready on 127.0.0.1:$REDIS_PORT"
}

STOP_PG=()
cleanup() {
  if [ ${#STOP_PG[@]} -gt 0 ]; then "${STOP_PG[@]}" >/dev/null 2>&1 || true; fi
  if [ -f "$DATA/redis/redis.pid" ]; then kill "$(cat "$DATA/redis/redis.pid")" 2>/dev/null || true; fi
}
trap cleanup EXIT

install_node_reference || { [ "${CI:-}" = "true" ] && { log "node or the npm packages of tools/hf-reference could not be installed (the tokenizer tests need Hugging Face's reference)"; exit 1; }; log "Hugging Face reference tokenizers unavailable; the tokenizer reference tests will skip"; }
install_chromium || { [ "${CI:-}" = "true" ] && { log "chromium could not be installed (the report layout tests need it)"; exit 1; }; log "chromium unavailable; the report layout tests will skip"; }
install_packages || { [ "${CI:-}" = "true" ] && { log "could not install server packages"; exit 1; }; log "server packages unavailable; server tests will skip"; }
start_postgres || { [ "${CI:-}" = "true" ] && { log "PostgreSQL did not start (see $DATA/pg/log)"; exit 1; }; log "PostgreSQL unavailable; its tests will skip"; }
start_redis || { [ "${CI:-}" = "true" ] && { log "Redis did not start"; exit 1; }; log "Redis unavailable; its tests will skip"; }

RESULTS="$DATA/results"
rm -rf "$RESULTS"
set +e
dotnet test EngramBulkLoad.sln --nologo -v quiet --logger "trx;LogFilePrefix=ebl" --results-directory "$RESULTS" "$@"
status=$?
set -e
# One plain closing line over every test project, from the TRX files.
python3 - "$RESULTS" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    skipped += int(counters.get("total", 0)) - int(counters.get("executed", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
