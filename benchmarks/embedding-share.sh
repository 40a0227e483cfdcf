#!/usr/bin/env bash
# How much of an end-to-end job is embedding when a real ONNX model does it (issue 5).
# Writes the embedding harness's model folder (WordPiece vocabulary 8,032, hidden 768, LAYERS dense
# 768x768 layers, max length 384; benchmarks/EngramBulkLoad.Benchmarks.Embedding --write-model), then for
# N records of the end-to-end corpus:
#   1. each stage as its own command: extract, embed --model, load (into the Engram test server);
#   2. the whole `run --model`, stages overlapping;
#   3. the same `run` with the offline lexical embedder (the pipeline's own ceiling).
# Prints wall seconds, records/s, CPU seconds and peak RSS of the job for each, and embedding's share.
#
#   benchmarks/embedding-share.sh [N]              default 20000
#
# Environment: EBL_BENCH_DIR (default /tmp/ebl-onnx), EBL_BENCH_PORT (default 50581),
#              LAYERS (default 4), PROVIDER (Auto|Cpu|Cuda, default Auto)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
N="${1:-20000}"
WORK="${EBL_BENCH_DIR:-/tmp/ebl-onnx}"
PORT="${EBL_BENCH_PORT:-50581}"
LAYERS="${LAYERS:-4}"
PROVIDER="${PROVIDER:-Auto}"
mkdir -p "$WORK"
# shellcheck source=benchmarks/job-and-server.sh
source benchmarks/job-and-server.sh
dotnet build -c Release -v q -nologo benchmarks/EngramBulkLoad.Benchmarks.Embedding >/dev/null
MODEL="$WORK/model-h768-l$LAYERS"
[ -f "$MODEL/model.onnx" ] || dotnet "$ROOT/benchmarks/EngramBulkLoad.Benchmarks.Embedding/bin/Release/net10.0/EngramBulkLoad.Benchmarks.Embedding.dll" --write-model "$MODEL" --layers "$LAYERS" >&2
CORPUS="$WORK/corpus-$N"
benchmarks/make-corpus.sh "$CORPUS" "$N"

SERVER_PID=""
start_server() {
  dotnet "$SERVER" --port "$PORT" --no-embeddings >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 50); do grep -q listening "$WORK/server.log" && break; sleep 0.2; done
}
stop_server() { [ -z "$SERVER_PID" ] || { kill -9 "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }; }
trap stop_server EXIT

# measure NAME ARGS...: runs the job, prints one table row. Exit 7 (validation failed) is expected after
# a load: the server keeps no embeddings, so the recall sample cannot pass.
measure() {
  local name="$1"; shift
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$WORK/time.txt" dotnet "$JOB" "$@" >"$WORK/$name.log" 2>&1 || [ $? -eq 7 ] \
    || { log "$name failed:"; tail -20 "$WORK/$name.log" >&2; exit 1; }
  end=$(date +%s.%N)
  local seconds cpu rss
  # A run's own "Run time" is the pipeline without the validation that follows it; stages report wall time.
  seconds=$(grep -oE '^Run time [0-9.]+ s' "$WORK/$name.log" | grep -oE '[0-9.]+' || python3 -c "print(f'{$end - $start:.1f}')")
  cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.1f", u+s}' "$WORK/time.txt")
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$WORK/time.txt")
  echo "$seconds" >"$WORK/$name.seconds"
  echo "| $name | $seconds | $(python3 -c "print(f'{$end - $start:.1f}')") | $(python3 -c "print(f'{$N / $seconds:,.0f}')") | $cpu | $rss |"
}

echo "| $N records | seconds (pipeline) | wall s (with validation) | records/s | job CPU s | peak RSS MiB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
ENGRAM=(--engram "http://127.0.0.1:$PORT")
MODEL_ARGS=(--model "$MODEL" --execution-provider "$PROVIDER")

rm -rf "$CORPUS/snapshot"; start_server
measure "extract" extract -c "$CORPUS/job.json"
measure "embed (ONNX)" embed -c "$CORPUS/job.json" "${MODEL_ARGS[@]}"
measure "load" load -c "$CORPUS/job.json" "${ENGRAM[@]}"
stop_server

rm -rf "$CORPUS/snapshot"; start_server
measure "run (ONNX, overlapped)" run -c "$CORPUS/job.json" "${MODEL_ARGS[@]}" "${ENGRAM[@]}"
stop_server

rm -rf "$CORPUS/snapshot"; start_server
measure "run (lexical)" run -c "$CORPUS/job.json" "${ENGRAM[@]}"
stop_server

python3 - "$WORK" <<'PY'
import sys
w = sys.argv[1]
s = {name: float(open(f"{w}/{name}.seconds").read()) for name in ["extract", "embed (ONNX)", "load", "run (ONNX, overlapped)", "run (lexical)"]}
stages = s["extract"] + s["embed (ONNX)"] + s["load"]
print(f"\nEmbedding's share of the stages run one after another: {s['embed (ONNX)'] / stages:.0%} "
      f"({s['embed (ONNX)']:.1f} of {stages:.1f} s). Overlapped run: {s['run (ONNX, overlapped)']:.1f} s, "
      f"{s['run (ONNX, overlapped)'] / s['embed (ONNX)']:.2f}x the embed stage alone; lexical run {s['run (lexical)']:.1f} s.")
PY
