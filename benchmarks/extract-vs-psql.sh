#!/usr/bin/env bash
# Extraction throughput against a peer (issue 2): the same table, the same query, in one script run,
#   psql -c "\copy (SELECT ...) to '/dev/null'"      versus      engram-bulkload extract (Parquet snapshot)
# and prints rows/s, MB/s, peak RSS and CPU for both, with the ratio tool/psql, as a markdown table.
#
#   benchmarks/extract-vs-psql.sh [ROWS]          ROWS defaults to $ROWS or 1000000
#
# Environment:
#   EBL_BENCH_POSTGRES   an Npgsql connection string to use instead of starting a throw-away server
#                        (its public.docs is dropped and rebuilt unless it already holds ROWS rows of this benchmark)
#   EBL_BENCH_DIR        work folder: server data, build output, config, snapshot (default /tmp/ebl-bench)
#   EBL_BENCH_SNAPSHOT   snapshot folder (default $EBL_BENCH_DIR/snapshot; e.g. /dev/shm/ebl-snap to take the disk out)
#   EBL_BENCH_PORT       port of the throw-away server (default 55433)
#   EBL_BENCH_KEEP=1     leave the throw-away server running and its table in place, for a later run
#   REPEAT               timed runs of each side, alternated (default 3); the table reports the median wall time
#   EXTRACT_ARGS         extra arguments for `extract`, e.g. "--part-size 200000"
#
# MB/s is computed from the table's text bytes, sum(octet_length(title) + octet_length(body) + octet_length(attrs::text)),
# the same numerator for both sides (so the MB/s ratio equals the rows/s ratio); the \copy output size is printed beside it.
# Peak memory is the maximum RSS of the client process (psql, or the dotnet process) from /usr/bin/time -v;
# the server backend serves both the same query and is not counted in either, but its CPU time is reported.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ROWS="${1:-${ROWS:-1000000}}"
WORK="${EBL_BENCH_DIR:-/tmp/ebl-bench}"
SNAPSHOT="${EBL_BENCH_SNAPSHOT:-$WORK/snapshot}"
PORT="${EBL_BENCH_PORT:-55433}"
REPEAT="${REPEAT:-3}"
EXTRACT_ARGS="${EXTRACT_ARGS:-}"
QUERY='SELECT src.*, src."id"::text AS __ebl_key_0 FROM "public"."docs" AS src WHERE src."id" IS NOT NULL ORDER BY src."id"'
mkdir -p "$WORK"

log() { echo "[bench] $*" >&2; }

if [ ! -x /usr/bin/time ]; then
  log "installing the Debian package 'time' for /usr/bin/time -v"
  SUDO=""; if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time >/dev/null
fi

# --- 1. the server -------------------------------------------------------------------------------
STOP_PG=()
POSTMASTER_PID=""
cleanup() { if [ ${#STOP_PG[@]} -gt 0 ]; then "${STOP_PG[@]}" >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT

if [ -n "${EBL_BENCH_POSTGRES:-}" ]; then
  CONN="$EBL_BENCH_POSTGRES"
  field() { tr ';' '\n' <<<"$CONN" | awk -F= -v k="$1" 'tolower($1)==tolower(k) { sub(/^[^=]*=/, ""); print; exit }'; }
  PGHOST_="$(field Host)"; PGPORT_="$(field Port)"; PGUSER_="$(field Username)"; PGPASS_="$(field Password)"; PGDB_="$(field Database)"
  PGPORT_="${PGPORT_:-5432}"
  log "using EBL_BENCH_POSTGRES ($PGHOST_:$PGPORT_/$PGDB_)"
else
  BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$BIN" ] || { log "no PostgreSQL under /usr/lib/postgresql; install the Debian package postgresql or set EBL_BENCH_POSTGRES"; exit 1; }
  DIR="$WORK/pg"
  AS=()
  # initdb refuses to run as root; the Debian package creates the postgres user for this.
  if [ "$(id -u)" = "0" ]; then AS=(runuser -u postgres --); fi
  PGHOST_=127.0.0.1; PGPORT_="$PORT"; PGUSER_=ebl; PGPASS_=ebl-bench-pw; PGDB_=ebl_bench
  if [ -f "$DIR/data/postmaster.pid" ] && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
    log "reusing the server left running on 127.0.0.1:$PORT"
  else
    rm -rf "$DIR" && mkdir -p "$DIR"
    if [ ${#AS[@]} -gt 0 ]; then chown -R postgres:postgres "$DIR"; chmod 755 "$WORK"; fi
    "${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U ebl --auth=trust --no-sync -E UTF8 >/dev/null
    cat >> "$DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
max_wal_size = 4GB
CONF
    printf 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n' > "$DIR/data/pg_hba.conf"
    "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t 60 start >/dev/null
    "${AS[@]}" "$BIN/psql" -h "$DIR" -p "$PORT" -U ebl -d postgres -qc "ALTER USER ebl PASSWORD '$PGPASS_'" >/dev/null
    "${AS[@]}" "$BIN/psql" -h "$DIR" -p "$PORT" -U ebl -d postgres -qc "CREATE DATABASE $PGDB_" >/dev/null
    log "PostgreSQL ready on 127.0.0.1:$PORT ($DIR)"
  fi
  if [ "${EBL_BENCH_KEEP:-}" != "1" ]; then STOP_PG=("${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m fast stop); fi
  POSTMASTER_PID="$(head -n 1 "$DIR/data/postmaster.pid")"
  CONN="Host=127.0.0.1;Port=$PORT;Username=$PGUSER_;Password=$PGPASS_;Database=$PGDB_"
fi
export PGPASSWORD="$PGPASS_"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST_" -p "$PGPORT_" -U "$PGUSER_" -d "$PGDB_")

# --- 2. the table --------------------------------------------------------------------------------
MARK="ebl-bench v1 rows=$ROWS"
if [ "$("${PSQL[@]}" -tAc "SELECT obj_description('public.docs'::regclass, 'pg_class')" 2>/dev/null || true)" = "$MARK" ]; then
  log "reusing public.docs ($ROWS rows)"
else
  log "creating public.docs with $ROWS rows"
  start=$(date +%s)
  "${PSQL[@]}" <<SQL
DROP TABLE IF EXISTS public.docs;
CREATE TABLE public.docs (id bigint PRIMARY KEY, title text, body text, attrs jsonb, created_at timestamptz);
-- Words picked by a hash of (row, position): varied prose-like text that compresses like prose, not like a repeated string.
CREATE TEMP TABLE words AS SELECT array[
  'the','system','engram','memory','extract','table','row','column','value','index','query','server','client','stream',
  'parquet','snapshot','migration','record','field','batch','vector','embedding','latency','throughput','network','storage',
  'archive','customer','invoice','shipment','warehouse','ticket','support','release','version','feature','request','response',
  'account','balance','payment','order','product','catalog','review','rating','comment','article','section','chapter',
  'quickly','slowly','carefully','always','never','often','because','however','therefore','although','between','within',
  'around','without'] AS w;
INSERT INTO public.docs (id, title, body, attrs, created_at)
SELECT i,
       'Document ' || i || ': ' || w[1 + (hashint8(i * 1000 + 1)::bigint & 2147483647) % 64] || ' ' || w[1 + (hashint8(i * 1000 + 2)::bigint & 2147483647) % 64],
       (SELECT string_agg(w[1 + (hashint8(i * 1000 + 10 + j)::bigint & 2147483647) % 64], ' ') FROM generate_series(1, 62 + (i % 17)::int) AS j),
       jsonb_build_object('category', w[1 + (hashint8(i * 1000 + 3)::bigint & 2147483647) % 64],
                          'priority', i % 5,
                          'tags', jsonb_build_array(w[1 + (hashint8(i * 1000 + 4)::bigint & 2147483647) % 64], w[1 + (hashint8(i * 1000 + 5)::bigint & 2147483647) % 64]),
                          'score', round(((hashint8(i * 1000 + 6)::bigint & 2147483647) % 10000) / 100.0, 2),
                          'archived', i % 7 = 0),
       timestamptz '2020-01-01 00:00:00+00' + i * interval '37 seconds'
FROM generate_series(1, $ROWS) AS i, words;
VACUUM ANALYZE public.docs;
COMMENT ON TABLE public.docs IS '$MARK';
SQL
  log "table ready in $(( $(date +%s) - start )) s"
fi
TEXT_BYTES="$("${PSQL[@]}" -tAc "SELECT sum(octet_length(title) + octet_length(body) + octet_length(attrs::text)) FROM public.docs")"
TABLE_BYTES="$("${PSQL[@]}" -tAc "SELECT pg_total_relation_size('public.docs')")"
COPY_BYTES="$("${PSQL[@]}" -c "\\copy ($QUERY) to stdout" | wc -c)"   # also warms the OS cache for the first timed run
log "text bytes $TEXT_BYTES, \\copy output $COPY_BYTES bytes, relation $TABLE_BYTES bytes"

# --- 3./4. build once, then alternate timed runs -------------------------------------------------
# A private artifacts folder, so concurrent builds of the tree (Debug, tests) do not share obj/ with this one.
ART="$WORK/artifacts"
log "building the CLI (Release) into $ART"
dotnet build "$ROOT/src/EngramBulkLoad.Cli" -c Release --artifacts-path "$ART" -nologo -v q -clp:ErrorsOnly >&2
DLL="$ART/bin/EngramBulkLoad.Cli/release/engram-bulkload.dll"
[ -f "$DLL" ] || { log "build output $DLL not found"; exit 1; }
CONFIG="$WORK/bench.json"
cat > "$CONFIG" <<JSON
{ "migrationId": "bench", "snapshot": "$SNAPSHOT",
  "sources": [ { "name": "bench", "kind": "postgres", "connectionString": "$CONN",
    "tables": [ { "table": "public.docs", "key": "id", "text": ["title","body"], "timestamp": "created_at" } ] } ] }
JSON

# Server CPU: a backend's CPU time is added to the postmaster's cutime/cstime when it exits.
server_cpu() { if [ -n "$POSTMASTER_PID" ]; then awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($16 + $17) / t }' "/proc/$POSTMASTER_PID/stat"; else echo nan; fi; }

RUNS="$WORK/runs.tsv"
: > "$RUNS"
timed() {  # timed NAME COMMAND... : appends NAME wall_s maxrss_kb user_s sys_s server_cpu_s
  local name="$1"; shift
  local out="$WORK/time.$name.txt" before after
  sync; before="$(server_cpu)"
  /usr/bin/time -v -o "$out" "$@" >"$WORK/stdout.$name.txt" 2>"$WORK/stderr.$name.txt" || { log "$name failed:"; tail -n 20 "$WORK/stderr.$name.txt" >&2; exit 1; }
  sleep 0.3; after="$(server_cpu)"
  python3 - "$name" "$out" "$before" "$after" >>"$RUNS" <<'PY'
import sys
name, path, before, after = sys.argv[1:]
v = {}
for line in open(path):
    k, _, val = line.strip().rpartition(": ")
    v[k] = val
parts = [float(p) for p in v["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")]
wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
server = float(after) - float(before) if before != "nan" else float("nan")
print(f'{name}\t{wall:.3f}\t{v["Maximum resident set size (kbytes)"]}\t{v["User time (seconds)"]}\t{v["System time (seconds)"]}\t{server:.2f}')
PY
  tail -n 1 "$RUNS" >&2
}

for r in $(seq 1 "$REPEAT"); do
  log "run $r/$REPEAT: psql \\copy"
  timed psql "${PSQL[@]}" -c "\\copy ($QUERY) to '/dev/null'"
  log "run $r/$REPEAT: engram-bulkload extract"
  # shellcheck disable=SC2086 # EXTRACT_ARGS is a list of words on purpose
  timed tool dotnet exec "$DLL" extract --config "$CONFIG" --overwrite --progress-interval 00:01:00 $EXTRACT_ARGS
done
SNAP_BYTES="$(du -sb "$SNAPSHOT" | cut -f1)"

# --- 5. the figures ------------------------------------------------------------------------------
python3 - "$RUNS" "$ROWS" "$TEXT_BYTES" "$COPY_BYTES" "$SNAP_BYTES" "$EXTRACT_ARGS" <<'PY'
import statistics, sys
path, rows, text, copy, snap, args = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
runs = {}
for line in open(path):
    n, wall, rss, user, sys_, server = line.split("\t")
    runs.setdefault(n, []).append((float(wall), int(rss), float(user), float(sys_), float(server)))
def summary(n):
    r = runs[n]
    wall = statistics.median(x[0] for x in r)
    med = min(r, key=lambda x: abs(x[0] - wall))
    return dict(wall=wall, rss=max(x[1] for x in r) / 1024, cpu=med[2] + med[3], server=med[4],
                rows=rows / wall, mb=text / 1e6 / wall, walls=", ".join(f"{x[0]:.2f}" for x in r))
p, t = summary("psql"), summary("tool")
label = {"psql": "psql `\\copy (query) to '/dev/null'`", "tool": "engram-bulkload extract" + (f" `{args}`" if args else "")}
print(f"\n{rows:,} rows; text {text / 1e6:.1f} MB (title+body+attrs::text), \\copy output {copy / 1e6:.1f} MB, snapshot {snap / 1e6:.1f} MB\n")
print("| side | wall s (median; runs) | rows/s | MB/s | peak RSS MiB | client CPU s | server CPU s |")
print("|---|---|---:|---:|---:|---:|---:|")
for n, s in (("psql", p), ("tool", t)):
    print(f"| {label[n]} | {s['wall']:.2f} ({s['walls']}) | {s['rows']:,.0f} | {s['mb']:.1f} | {s['rss']:.0f} | {s['cpu']:.2f} | {s['server']:.2f} |")
print(f"| **ratio tool/psql** | | **{t['rows'] / p['rows']:.2f}** | **{t['mb'] / p['mb']:.2f}** | {t['rss'] / p['rss']:.1f}x | | |")
PY
