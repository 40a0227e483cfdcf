#!/usr/bin/env bash
# End-to-end throughput of the whole job (issue 5): `engram-bulkload run` from a generated JSONL corpus
# through the offline lexical embedder into the Engram test server, at one or more corpus sizes.
# Prints records/s, wall time, CPU time and peak RSS of the job process (the server is a separate
# process and is not counted), as a markdown table.
#
#   benchmarks/run-end-to-end.sh [SIZES...]        default: 100000 1000000
#
# Environment:
#   EBL_BENCH_DIR    work folder (default /tmp/ebl-e2e)
#   EBL_BENCH_PORT   port of the Engram test server (default 50561)
#   RUN_ARGS         extra arguments for `run`, e.g. "--embedding-service http://gpu:50061"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WORK="${EBL_BENCH_DIR:-/tmp/ebl-e2e}"
PORT="${EBL_BENCH_PORT:-50561}"
RUN_ARGS="${RUN_ARGS:-}"
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000)
mkdir -p "$WORK"
# shellcheck source=benchmarks/job-and-server.sh
source benchmarks/job-and-server.sh

echo "| records | seconds | records/s | job CPU s | peak RSS MiB | loaded | associations |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for N in "${SIZES[@]}"; do
  CORPUS="$WORK/corpus-$N"
  benchmarks/make-corpus.sh "$CORPUS" "$N"
  rm -rf "$CORPUS/snapshot"
  dotnet "$SERVER" --port "$PORT" --no-embeddings >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
  for _ in $(seq 50); do grep -q listening "$WORK/server.log" && break; sleep 0.2; done
  log "run: $N records"
  START=$(date +%s.%N)
  # Exit 7 (validation failed) is expected here: the server keeps no embeddings, so the recall sample cannot pass.
  /usr/bin/time -v -o "$WORK/time-$N.txt" dotnet "$JOB" run -c "$CORPUS/job.json" --engram "http://127.0.0.1:$PORT" --progress-interval 00:00:10 $RUN_ARGS >"$WORK/run-$N.log" 2>&1 || [ $? -eq 7 ]
  END=$(date +%s.%N)
  kill -9 $SERVER_PID; wait $SERVER_PID 2>/dev/null || true  # the test server keeps nothing worth a graceful stop
  SECONDS_=$(python3 -c "print(f'{$END - $START:.1f}')")
  CPU=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.1f", u+s}' "$WORK/time-$N.txt")
  RSS=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$WORK/time-$N.txt")
  LOADED=$(grep -oE 'This run: [0-9]+ loaded' "$WORK/run-$N.log" | grep -oE '[0-9]+' || echo "?")
  ASSOC=$(grep -oE '[0-9]+ associations,' "$WORK/run-$N.log" | grep -oE '[0-9]+' | head -1 || echo "?")
  RATE=$(python3 -c "print(f'{$N / ($END - $START):,.0f}')")
  echo "| $N | $SECONDS_ | $RATE | $CPU | $RSS | $LOADED | $ASSOC |"
done
