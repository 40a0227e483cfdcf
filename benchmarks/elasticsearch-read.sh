#!/usr/bin/env bash
# Read throughput of the Elasticsearch source (issue 16): N documents served by the in-repo Elasticsearch
# test server (a separate process, not measured), read by the source with 1 and 4 slices, and by the peer, a
# plain HttpClient PIT + search_after loop. Prints a markdown table: documents/s, wall seconds, peak working
# set and bytes allocated of the reading process. The test server answers every page by filtering and sorting
# in memory, so these figures are the client's ceiling against this server, not a real cluster's speed.
#
#   benchmarks/elasticsearch-read.sh [N]      default: 100000
#
# Environment: EBL_BENCH_DIR (default /tmp/ebl-es-read), EBL_ES_PORT (default 57460).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
WORK="${EBL_BENCH_DIR:-/tmp/ebl-es-read}"
PORT="${EBL_ES_PORT:-57460}"
mkdir -p "$WORK"
benchmarks/make-corpus.sh "$WORK/corpus-$N" "$N"
echo "[bench] building Release" >&2
dotnet build -c Release -v q -nologo tests/EngramBulkLoad.Elasticsearch.TestServer >/dev/null
dotnet build -c Release -v q -nologo benchmarks/EngramBulkLoad.Benchmarks.Elasticsearch >/dev/null
SERVER=tests/EngramBulkLoad.Elasticsearch.TestServer/bin/Release/net10.0/EngramBulkLoad.Elasticsearch.TestServer.dll
BENCH=benchmarks/EngramBulkLoad.Benchmarks.Elasticsearch/bin/Release/net10.0/EngramBulkLoad.Benchmarks.Elasticsearch.dll
dotnet "$SERVER" --port "$PORT" --index "docs=$WORK/corpus-$N/docs.jsonl" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q listening "$WORK/server.log" && break; kill -0 $SERVER_PID 2>/dev/null || break; sleep 0.5; done
grep -q listening "$WORK/server.log" || { cat "$WORK/server.log" >&2; exit 1; }
echo "| reader | slices | page | documents | seconds | documents/s | peak working set MiB | allocated MiB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
# A first source read warms the server's sorted-page cache for the point in time... of that read only: every
# read opens its own point in time, so each row pays its own first sort. The peer runs first and last.
dotnet "$BENCH" "http://127.0.0.1:$PORT" docs raw 1
dotnet "$BENCH" "http://127.0.0.1:$PORT" docs source 1
dotnet "$BENCH" "http://127.0.0.1:$PORT" docs source 4
dotnet "$BENCH" "http://127.0.0.1:$PORT" docs raw 1
