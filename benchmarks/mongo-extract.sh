#!/usr/bin/env bash
# MongoDB extraction throughput and peak memory of the job (the client) against the in-repo MongoDB server,
# run from the repository root:  benchmarks/mongo-extract.sh [DOCS] [PORT]
# The server is this project's own (in-memory, one process; it sorts the collection for each find), so the
# figure is the client's ceiling against a server that keeps up, not a prediction against a real mongod.
# The server runs as its own process, so the peak RSS is the job's alone.
set -euo pipefail
DOCS="${1:-100000}"
PORT="${2:-57452}"
source "$(dirname "$0")/job-and-server.sh"
dotnet build -c Release -v q -nologo tests/EngramBulkLoad.MongoDb.TestServer >/dev/null
MONGO="$PWD/tests/EngramBulkLoad.MongoDb.TestServer/bin/Release/net10.0/EngramBulkLoad.MongoDb.TestServer.dll"
WORK="$(mktemp -d)"
trap 'kill "$MONGO_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

log "starting the MongoDB test server with $DOCS documents on port $PORT"
mkfifo "$WORK/in"
dotnet "$MONGO" --port "$PORT" --docs "$DOCS" --user bench --password bench-password <"$WORK/in" >"$WORK/mongo.log" 2>&1 &
MONGO_PID=$!
exec 3>"$WORK/in"   # holds the server's stdin open until the script ends
until grep -q listening "$WORK/mongo.log"; do sleep 0.5; done

cat >"$WORK/job.json" <<JSON
{ "migrationId": "mongo-bench", "snapshot": "$WORK/snap", "extract": { "partSize": 50000 },
  "sources": [ { "name": "bench", "kind": "mongodb",
    "connectionString": "mongodb://bench:bench-password@127.0.0.1:$PORT/?authSource=admin&directConnection=true", "database": "bench",
    "collections": [ { "collection": "docs", "template": "{title}\n\n{body}", "timestamp": "updatedAt",
      "references": [ { "fields": "authorId", "references": "authors", "relation": "written_by" } ] },
      { "collection": "authors", "text": ["name", "bio"] } ] } ] }
JSON
log "extracting"
/usr/bin/time -v dotnet "$JOB" extract --config "$WORK/job.json" >"$WORK/extract.out" 2>"$WORK/time.txt" || { cat "$WORK/extract.out" "$WORK/time.txt"; exit 1; }
SECONDS_WALL=$(grep "Elapsed (wall clock)" "$WORK/time.txt" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
PEAK_KB=$(grep "Maximum resident set size" "$WORK/time.txt" | awk '{print $NF}')
CPU_S=$(awk -F': ' '/User time|System time/ { t += $2 } END { print t }' "$WORK/time.txt")
TOTAL=$((DOCS + 100))
grep -E "^bench/|^total" "$WORK/extract.out" || true
awk -v n="$TOTAL" -v s="$SECONDS_WALL" -v kb="$PEAK_KB" -v cpu="$CPU_S" 'BEGIN {
  printf "mongodb extract: %d documents in %.1f s = %.0f documents/s wall; job CPU %.1f s = %.0f documents per CPU-second; job peak RSS %.0f MiB (client ceiling: in-repo server)\n", n, s, n / s, cpu, n / cpu, kb / 1024 }'
