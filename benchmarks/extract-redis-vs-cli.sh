#!/usr/bin/env bash
# Redis extraction throughput against the raw read floor (issue 14), in one script run:
#   redis-cli --scan --pattern 'bench:*' | (DUMP + PTTL per key) | redis-cli --pipe     versus
#   engram-bulkload extract (SCAN, pipelined TYPE/PTTL/PEXPIRETIME + typed reads, Parquet snapshot)
# over KEYS keys of mixed types (40% text strings, 20% JSON strings, 20% hashes, 10% lists, 5% sets,
# 5% sorted sets; about 300 bytes of value each, every fourth with a TTL), and prints keys/s, MB/s,
# peak RSS and CPU for both with the ratio tool/floor as a markdown table.
#
#   benchmarks/extract-redis-vs-cli.sh [KEYS]          KEYS defaults to $KEYS or 1000000
#
# Environment:
#   EBL_BENCH_DIR         work folder (default /tmp/ebl-bench-redis)
#   EBL_BENCH_REDIS_PORT  port of the throw-away redis-server (default 57440)
#   REPEAT                timed runs of each side, alternated (default 3); the table reports the median
#
# MB/s is the value bytes the generator wrote (the same numerator for both sides). DUMP reads every type
# in one command as the server's own serialization, so the floor neither decodes types nor checks text.
# Peak RSS is the largest process of each side (/usr/bin/time -v); the server is not counted.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
KEYS="${1:-${KEYS:-1000000}}"
WORK="${EBL_BENCH_DIR:-/tmp/ebl-bench-redis}"
PORT="${EBL_BENCH_REDIS_PORT:-57440}"
REPEAT="${REPEAT:-3}"
mkdir -p "$WORK"
log() { echo "[bench] $*" >&2; }
if [ ! -x /usr/bin/time ]; then
  SUDO=""; if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time >/dev/null
fi

# --- 1. the server and the keys ------------------------------------------------------------------
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --dir "$WORK" --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log" >/dev/null
trap 'kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
log "writing $KEYS keys"
VALUE_BYTES="$(python3 - "$KEYS" "$WORK/keys.resp" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
words = "the system memory cache session user order product value index query server client stream snapshot record field batch vector latency network storage ticket support release".split()
rng = random.Random(14)
def text(size):
    out = []
    while sum(len(w) + 1 for w in out) < size:
        out.append(rng.choice(words))
    return " ".join(out)
def cmd(*parts):
    b = [f"*{len(parts)}\r\n".encode()]
    for p in parts:
        p = p.encode() if isinstance(p, str) else p
        b.append(f"${len(p)}\r\n".encode() + p + b"\r\n")
    return b"".join(b)
total = 0
with open(path, "wb") as f:
    for i in range(n):
        key, kind = f"bench:{i}", i % 20
        if kind < 8:
            v = text(300); total += len(v); f.write(cmd("SET", key, v))
        elif kind < 12:
            v = '{"title": "%s", "body": "%s", "n": %d}' % (text(60), text(220), i); total += len(v); f.write(cmd("SET", key, v))
        elif kind < 16:
            fields = [("title", text(60)), ("body", text(200)), ("state", rng.choice(["new", "open", "done"]))]
            total += sum(len(a) + len(b) for a, b in fields); f.write(cmd("HSET", key, *[x for fv in fields for x in fv]))
        elif kind < 18:
            items = [text(55) for _ in range(5)]; total += sum(map(len, items)); f.write(cmd("RPUSH", key, *items))
        elif kind < 19:
            items = [f"{j}:{text(50)}" for j in range(5)]; total += sum(map(len, items)); f.write(cmd("SADD", key, *items))
        else:
            items = [f"{j}:{text(50)}" for j in range(5)]; total += sum(map(len, items))
            f.write(cmd("ZADD", key, *[x for j, m in enumerate(items) for x in (str(j * 1.5), m)]))
        if i % 4 == 0:
            f.write(cmd("EXPIRE", key, str(86400 + i)))
print(total)
PY
)"
redis-cli -p "$PORT" --pipe <"$WORK/keys.resp" >/dev/null
log "$(redis-cli -p "$PORT" dbsize) keys, $VALUE_BYTES value bytes; $(redis-cli -p "$PORT" info memory | grep used_memory_human)"

# --- 2. build once, then alternate timed runs -----------------------------------------------------
ART="$WORK/artifacts"
log "building the CLI (Release) into $ART"
dotnet build "$ROOT/src/EngramBulkLoad.Cli" -c Release --artifacts-path "$ART" -nologo -v q -clp:ErrorsOnly >&2
DLL="$ART/bin/EngramBulkLoad.Cli/release/engram-bulkload.dll"
CONFIG="$WORK/bench.json"
cat >"$CONFIG" <<JSON
{ "migrationId": "bench-redis", "snapshot": "$WORK/snapshot",
  "sources": [ { "name": "cache", "kind": "redis", "host": "127.0.0.1", "port": $PORT, "scanCount": 1000,
    "patterns": [ { "match": "bench:*", "collection": "bench", "id": "capture" } ] } ] }
JSON
cat >"$WORK/floor.sh" <<SH
redis-cli -p $PORT --scan --pattern 'bench:*' | awk '{ print "DUMP " \$0; print "PTTL " \$0 }' | redis-cli -p $PORT --pipe
SH

RUNS="$WORK/runs.tsv"
: >"$RUNS"
timed() {
  local name="$1"; shift
  /usr/bin/time -v -o "$WORK/time.$name" "$@" >"$WORK/out.$name" 2>&1 || { log "$name failed:"; tail -20 "$WORK/out.$name" >&2; exit 1; }
  python3 - "$name" "$WORK/time.$name" >>"$RUNS" <<'PY'
import sys
v = {}
for line in open(sys.argv[2]):
    k, _, val = line.strip().rpartition(": ")
    v[k] = val
parts = [float(p) for p in v["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")]
wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
print(f'{sys.argv[1]}\t{wall:.3f}\t{v["Maximum resident set size (kbytes)"]}\t{float(v["User time (seconds)"]) + float(v["System time (seconds)"]):.2f}')
PY
  tail -n 1 "$RUNS" >&2
}
for r in $(seq 1 "$REPEAT"); do
  log "run $r/$REPEAT: redis-cli --scan | DUMP+PTTL | redis-cli --pipe"
  timed floor bash "$WORK/floor.sh"
  grep -q "errors: 0, replies: $((KEYS * 2))" "$WORK/out.floor" || { log "the floor did not read every key:"; cat "$WORK/out.floor" >&2; exit 1; }
  log "run $r/$REPEAT: engram-bulkload extract"
  timed tool dotnet exec "$DLL" extract --config "$CONFIG" --overwrite --progress-interval 00:01:00
done
python3 - "$WORK/snapshot/manifest.json" "$KEYS" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
rows = sum(p["counts"]["sourceRows"] for p in m["parts"]); staged = sum(p["counts"]["staged"] for p in m["parts"])
assert rows == int(sys.argv[2]) and staged == rows, f"extract read {rows} keys, staged {staged}; expected {sys.argv[2]}"
PY

python3 - "$RUNS" "$KEYS" "$VALUE_BYTES" <<'PY'
import statistics, sys
path, keys, value = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = {}
for line in open(path):
    n, wall, rss, cpu = line.split("\t")
    runs.setdefault(n, []).append((float(wall), int(rss), float(cpu)))
def s(n):
    r = runs[n]; wall = statistics.median(x[0] for x in r); med = min(r, key=lambda x: abs(x[0] - wall))
    return dict(wall=wall, rss=max(x[1] for x in r) / 1024, cpu=med[2], keys=keys / wall, mb=value / 1e6 / wall, walls=", ".join(f"{x[0]:.2f}" for x in r))
f, t = s("floor"), s("tool")
print(f"\n{keys:,} keys, {value / 1e6:.1f} MB of values\n")
print("| side | wall s (median; runs) | keys/s | MB/s | peak RSS MiB | client CPU s |")
print("|---|---|---:|---:|---:|---:|")
print(f"| redis-cli --scan \\| DUMP+PTTL \\| redis-cli --pipe | {f['wall']:.2f} ({f['walls']}) | {f['keys']:,.0f} | {f['mb']:.1f} | {f['rss']:.0f} | {f['cpu']:.2f} |")
print(f"| engram-bulkload extract | {t['wall']:.2f} ({t['walls']}) | {t['keys']:,.0f} | {t['mb']:.1f} | {t['rss']:.0f} | {t['cpu']:.2f} |")
print(f"| **ratio tool/floor** | | **{t['keys'] / f['keys']:.2f}** | **{t['mb'] / f['mb']:.2f}** | {t['rss'] / f['rss']:.1f}x | |")
PY
