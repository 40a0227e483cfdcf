#!/usr/bin/env bash
# End-to-end throughput of the whole job (issue 5): `engram-bulkload run` from a generated JSONL corpus
# through the offline lexical embedder into the Engram test server, at one or more corpus sizes.
# Prints records/s, wall time, CPU time and peak RSS of the job process (the server is a separate
# process and is not counted), as a markdown table; peak RSS also split into the pipeline (extract, embed,
# load, associations) and the validation that ends the run, from VmRSS sampled every half second.
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

# Samples the job's VmRSS (MiB) every half second until PID (/usr/bin/time, whose child is the job) ends;
# the phase turns to validation when the run's log shows "[validate]". Writes "PIPELINE VALIDATION" peaks to $3.
sample_rss() {
  local pid=$1 runlog=$2 out=$3 job="" rss pipeline=0 validation=0
  while kill -0 "$pid" 2>/dev/null; do
    [ -n "$job" ] || job=$(pgrep -P "$pid" | head -1 || true)
    rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/${job:-$pid}/status" 2>/dev/null || true)
    if [ -n "$rss" ]; then
      if grep -q '^\[validate\]' "$runlog"; then
        [ "$rss" -gt "$validation" ] && validation=$rss
      else
        [ "$rss" -gt "$pipeline" ] && pipeline=$rss
      fi
    fi
    sleep 0.5
  done
  echo "$pipeline $validation" >"$out"
}

echo "| records | seconds | records/s | job CPU s | peak RSS MiB | pipeline peak MiB | validation peak MiB | loaded | associations |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
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
  : >"$WORK/run-$N.log"
  /usr/bin/time -v -o "$WORK/time-$N.txt" dotnet "$JOB" run -c "$CORPUS/job.json" --engram "http://127.0.0.1:$PORT" --progress-interval 00:00:10 $RUN_ARGS >"$WORK/run-$N.log" 2>&1 &
  JOB_PID=$!
  sample_rss "$JOB_PID" "$WORK/run-$N.log" "$WORK/rss-$N.txt" &
  SAMPLER_PID=$!
  wait "$JOB_PID" || [ $? -eq 7 ]
  END=$(date +%s.%N)
  wait "$SAMPLER_PID"
  read -r PIPELINE_RSS VALIDATION_RSS <"$WORK/rss-$N.txt"
  kill -9 $SERVER_PID; wait $SERVER_PID 2>/dev/null || true  # the test server keeps nothing worth a graceful stop
  SECONDS_=$(python3 -c "print(f'{$END - $START:.1f}')")
  CPU=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.1f", u+s}' "$WORK/time-$N.txt")
  RSS=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$WORK/time-$N.txt")
  LOADED=$(grep -oE 'This run: [0-9]+ loaded' "$WORK/run-$N.log" | grep -oE '[0-9]+' || echo "?")
  ASSOC=$(grep -oE '[0-9]+ associations,' "$WORK/run-$N.log" | grep -oE '[0-9]+' | head -1 || echo "?")
  RATE=$(python3 -c "print(f'{$N / ($END - $START):,.0f}')")
  echo "| $N | $SECONDS_ | $RATE | $CPU | $RSS | $PIPELINE_RSS | $VALIDATION_RSS | $LOADED | $ASSOC |"
done
