#!/usr/bin/env bash
# Neo4j extraction throughput (issue 17): the in-repo Query API server (tests/EngramBulkLoad.Neo4j.TestServer)
# serves a generated graph (Article and Person nodes, CITES and WROTE relationships) in its own process, and
#   1. raw: curl reads every node and every relationship in one request each (no paging, nothing parsed or
#      written): what the server and loopback HTTP can deliver, the peer of this benchmark;
#   2. extract: engram-bulkload extract reads them with the Neo4j source (keyset pages, typed JSON streamed,
#      mapped, written as Parquet parts).
# It prints items/s (nodes + relationships) and the peak RSS of each client, and the ratio extract/raw.
# The server is a test double: the figures are the client's ceiling, not what a real Neo4j serves.
#
#   benchmarks/neo4j-extract.sh [NODES] [RELATIONSHIPS]     defaults 100000 and 300000
#
# Environment: EBL_BENCH_DIR (default /tmp/ebl-bench-neo4j), EBL_BENCH_PORT (default 57471),
#              PAGE_SIZE (the source's pageSize, default 10000), EBL_BENCH_NO_BUILD=1 (reuse the last build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
NODES="${1:-100000}"
RELATIONSHIPS="${2:-300000}"
WORK="${EBL_BENCH_DIR:-/tmp/ebl-bench-neo4j}"
PORT="${EBL_BENCH_PORT:-57471}"
PAGE_SIZE="${PAGE_SIZE:-10000}"
PASSWORD="bench-password"
mkdir -p "$WORK"
log() { echo "[bench] $*" >&2; }

if [ "${EBL_BENCH_NO_BUILD:-0}" != "1" ] || [ ! -f "$WORK/cli/engram-bulkload.dll" ]; then
  log "building (Release)"
  dotnet build -c Release -v q -o "$WORK/server" tests/EngramBulkLoad.Neo4j.TestServer >/dev/null
  dotnet build -c Release -v q -o "$WORK/cli" src/EngramBulkLoad.Cli >/dev/null
fi

log "starting the Query API test server with $NODES nodes and $RELATIONSHIPS relationships on port $PORT"
dotnet "$WORK/server/EngramBulkLoad.Neo4j.TestServer.dll" --port "$PORT" --nodes "$NODES" --relationships "$RELATIONSHIPS" --password "$PASSWORD" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q "listening" "$WORK/server.log" && break
  sleep 0.5
done
grep -q "listening" "$WORK/server.log" || { cat "$WORK/server.log" >&2; exit 1; }

query() {
  curl -s -o "$2" -w '%{http_code}' -u "neo4j:$PASSWORD" -H 'Content-Type: application/vnd.neo4j.query' -H 'Accept: application/vnd.neo4j.query' \
    --data "{\"statement\": \"$1\", \"parameters\": {}}" "http://127.0.0.1:$PORT/db/neo4j/query/v2"
}

log "raw: one request per collection with curl"
RAW_START=$(date +%s.%N)
/usr/bin/time -v -o "$WORK/raw-articles.time" bash -c "$(declare -f query); PASSWORD=$PASSWORD PORT=$PORT query 'MATCH (n:Article) RETURN n.id AS key, n AS node' /dev/null" >/dev/null
/usr/bin/time -v -o "$WORK/raw-people.time" bash -c "$(declare -f query); PASSWORD=$PASSWORD PORT=$PORT query 'MATCH (n:Person) RETURN n.id AS key, n AS node' /dev/null" >/dev/null
/usr/bin/time -v -o "$WORK/raw-rels.time" bash -c "$(declare -f query); PASSWORD=$PASSWORD PORT=$PORT query 'MATCH (a)-[r]->(b) RETURN elementId(r), type(r), properties(r), elementId(a), labels(a), a.id, elementId(b), labels(b), b.id' /dev/null" >/dev/null
RAW_END=$(date +%s.%N)

cat >"$WORK/job.json" <<EOF
{ "migrationId": "neo4j-bench", "snapshot": "$WORK/snapshot",
  "sources": [ { "name": "graph", "kind": "neo4j", "url": "http://127.0.0.1:$PORT", "password": "\${EBL_BENCH_NEO4J_PASSWORD}", "pageSize": $PAGE_SIZE,
    "nodes": [ { "label": "Article", "key": "id", "template": "{title}\n\n{body}", "timestamp": "updated" },
               { "label": "Person", "key": "id", "text": ["name", "bio"] } ] } ] }
EOF
rm -rf "$WORK/snapshot"
log "extract with the Neo4j source (page size $PAGE_SIZE)"
EXTRACT_START=$(date +%s.%N)
EBL_BENCH_NEO4J_PASSWORD="$PASSWORD" /usr/bin/time -v -o "$WORK/extract.time" dotnet "$WORK/cli/engram-bulkload.dll" extract -c "$WORK/job.json" --overwrite >"$WORK/extract.log" 2>&1 \
  || { tail -20 "$WORK/extract.log" >&2; exit 1; }
EXTRACT_END=$(date +%s.%N)

rss() { awk -F': ' '/Maximum resident set size/ {print int($2/1024)}' "$1"; }
cpu() { awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.1f", u+s}' "$1"; }
ITEMS=$((NODES + RELATIONSHIPS))
RAW=$(echo "$RAW_END - $RAW_START" | bc -l)
EXTRACT=$(echo "$EXTRACT_END - $EXTRACT_START" | bc -l)
RAW_RSS=$(printf '%s\n' "$(rss "$WORK/raw-articles.time")" "$(rss "$WORK/raw-people.time")" "$(rss "$WORK/raw-rels.time")" | sort -n | tail -1)
echo
echo "| side | wall s | items/s | peak RSS MiB | client CPU s |"
echo "| --- | ---: | ---: | ---: | ---: |"
printf "| raw (curl, 3 requests) | %.1f | %'.0f | %s | - |\n" "$RAW" "$(echo "$ITEMS / $RAW" | bc -l)" "$RAW_RSS"
printf "| extract (Neo4j source) | %.1f | %'.0f | %s | %s |\n" "$EXTRACT" "$(echo "$ITEMS / $EXTRACT" | bc -l)" "$(rss "$WORK/extract.time")" "$(cpu "$WORK/extract.time")"
printf "\nratio extract/raw wall time: %.2f; %s nodes, %s relationships; load average: %s\n" "$(echo "$EXTRACT / $RAW" | bc -l)" "$NODES" "$RELATIONSHIPS" "$(cut -d' ' -f1-3 /proc/loadavg)"
grep -E "staged|rejected|reconciles" "$WORK/extract.log" | tail -5 || true
