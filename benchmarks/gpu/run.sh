#!/usr/bin/env bash
# Runs the GPU check kit (benchmarks/gpu/README.md): reassembles and checks the pieces, points the loader
# at the CUDA and cuDNN libraries of the Python wheels, writes a BERT-base-shaped model, and runs in one go
#   (a) vectors on CUDA fp32 against the CPU provider, per text;   (b) fp16 against fp32;
#   (c) throughput with 8 and 64 callers over a batch-size and token-budget sweep;
#   (d) the same architecture in PyTorch fp16 through transformers, side by side;
#   (e) a batch too large for a GPU memory limit, which must be split and retried.
# Writes results.json, torch.json and summary.md into RESULTS_DIR and prints the summary.
#
#   bash benchmarks/gpu/run.sh [--cpu] [--pieces DIR] [--kit-dir DIR] [--results DIR]
#     --cpu      the dry run: CPU provider, a small model, short measurements, no PyTorch
#     --pieces   where the pieces and MANIFEST are (default KIT_DIR/pieces, where receive.sh puts them)
#     --kit-dir  working folder (default /tmp/ebl-gpu-kit)
#     --results  where results go (default $OUT when set, as on the GPU machine, else KIT_DIR/results)
# Exit 0 when every check passed, 1 when one failed, 2 on a bad or incomplete kit.
set -euo pipefail
CPU=false
KIT_DIR="${KIT_DIR:-/tmp/ebl-gpu-kit}"
PIECES=""
RESULTS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) CPU=true ;;
    --pieces) PIECES="$2"; shift ;;
    --kit-dir) KIT_DIR="$2"; shift ;;
    --results) RESULTS="$2"; shift ;;
    *) echo "run.sh: unknown argument '$1'; expected --cpu, --pieces DIR, --kit-dir DIR or --results DIR." >&2; exit 2 ;;
  esac
  shift
done
PIECES="${PIECES:-$KIT_DIR/pieces}"
RESULTS="${RESULTS:-${OUT:-$KIT_DIR/results}}"
mkdir -p "$KIT_DIR" "$RESULTS"
started=$(date +%s)
log() { echo "[kit $(( $(date +%s) - started ))s] $*" >&2; }

# 1. Reassemble and check: every piece the MANIFEST names, with its checksum, then the whole archive.
[ -f "$PIECES/MANIFEST" ] || { log "no MANIFEST in $PIECES: send the pieces first (benchmarks/gpu/README.md)"; exit 2; }
missing=()
while read -r sum size name; do
  [ "$name" = "kit.tar.xz" ] && continue
  if [ ! -f "$PIECES/$name" ]; then missing+=("$name"); continue; fi
  [ "$(sha256sum "$PIECES/$name" | cut -d' ' -f1)" = "$sum" ] || { log "piece $name is damaged (checksum differs from MANIFEST): send it again"; exit 2; }
done < <(grep -v '^#' "$PIECES/MANIFEST")
[ ${#missing[@]} -eq 0 ] || { log "pieces missing: ${missing[*]}; send them with receive.sh (benchmarks/gpu/README.md)"; exit 2; }
archive_sum=$(awk '$3 == "kit.tar.xz" { print $1 }' "$PIECES/MANIFEST")
if [ "$(cat "$KIT_DIR/unpacked.sha256" 2>/dev/null)" != "$archive_sum" ]; then
  log "unpacking"
  rm -rf "$KIT_DIR/kit"
  cat "$PIECES"/piece-* > "$KIT_DIR/kit.tar.xz"
  [ "$(sha256sum "$KIT_DIR/kit.tar.xz" | cut -d' ' -f1)" = "$archive_sum" ] || { log "the reassembled archive does not match MANIFEST: send all pieces again"; exit 2; }
  # Python's tarfile reads xz without the xz tool, which a GPU image may lack.
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$KIT_DIR/kit.tar.xz" "$KIT_DIR"
  rm -f "$KIT_DIR/kit.tar.xz"
  echo "$archive_sum" > "$KIT_DIR/unpacked.sha256"
fi
KIT="$KIT_DIR/kit"
HARNESS="$KIT/app/EngramBulkLoad.Benchmarks.Gpu"

# 2. CUDA 13 and cuDNN 9 from the Python wheels (nvidia-cublas, nvidia-cudnn-cu13, ...): their lib folders
#    go on LD_LIBRARY_PATH so ONNX Runtime's CUDA provider finds them.
if ! $CPU; then
  wheel_libs=$(python3 - <<'PY'
import glob, os, site, sys
roots = set(site.getsitepackages() + [site.getusersitepackages()] + [p for p in sys.path if p.endswith("-packages")])
dirs = sorted({d for r in roots for d in glob.glob(os.path.join(r, "nvidia", "**", "lib"), recursive=True)})
print(":".join(dirs))
PY
)
  export LD_LIBRARY_PATH="$KIT/app${wheel_libs:+:$wheel_libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  log "CUDA libraries from the wheels: $(echo "$wheel_libs" | tr ':' '\n' | grep -c . || true) folders; libcublas: $(echo "$wheel_libs" | tr ':' '\n' | while read -r d; do ls "$d"/libcublas.so.* 2>/dev/null; done | head -1 | xargs -r basename); libcudnn: $(echo "$wheel_libs" | tr ':' '\n' | while read -r d; do ls "$d"/libcudnn.so.* 2>/dev/null; done | head -1 | xargs -r basename)"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | sed 's/^/[kit] GPU: /' >&2 || true
fi

# 3. The model and the texts, written here (a BERT-base export is 440 MB).
if $CPU; then
  MODEL_ARGS=(--layers 2 --hidden 128 --heads 2 --intermediate 512 --vocab 8000)
  CHECK_ARGS=(--provider cpu --check-texts 64 --seconds 2 --callers 2,8 --budgets 4096 --batch-texts 32)
else
  MODEL_ARGS=(--layers 12 --hidden 768 --heads 12 --intermediate 3072 --vocab 30522)
  CHECK_ARGS=(--provider cuda --check-texts 512 --seconds "${SECONDS_PER_POINT:-8}" --callers 8,64 --budgets "${BUDGETS:-16384,65536}" --batch-texts "${BATCH_TEXTS:-64,256}" --oom-limit-mib "${OOM_LIMIT_MIB:-4096}")
fi
MODEL="$KIT_DIR/model-$(echo "${MODEL_ARGS[*]}" | tr -d ' -')"
if [ ! -f "$MODEL/model_fp16.onnx" ]; then
  log "writing the model"
  "$HARNESS" write-model "$MODEL" "${MODEL_ARGS[@]}" --max-length 384 >&2
fi
vocab=$(grep -o '"vocab_size":[0-9]*' "$MODEL/config.json" | cut -d: -f2)
"$HARNESS" write-texts "$KIT_DIR/texts.txt" --count 4000 --vocab "$vocab" >&2

# 4. (a), (b), (c), (e): the service's code on loopback gRPC.
set +e
"$HARNESS" check --model "$MODEL" --texts "$KIT_DIR/texts.txt" --out "$RESULTS/results.json" "${CHECK_ARGS[@]}" 2>&1 | tee "$RESULTS/check.log"
check_status=${PIPESTATUS[0]}
set -e
log "checks done (exit $check_status)"

# 5. (d) PyTorch fp16 through transformers, same architecture and texts.
python3 -m py_compile "$KIT/torch_bench.py"
if ! $CPU && python3 -c 'import torch, transformers, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  python3 "$KIT/torch_bench.py" --model "$MODEL" --texts "$KIT_DIR/texts.txt" --out "$RESULTS/torch.json" --seconds "${SECONDS_PER_POINT:-8}" 2>&1 | tee "$RESULTS/torch.log" || log "PyTorch comparison failed (see torch.log)"
else
  log "PyTorch comparison skipped: $($CPU && echo 'dry run' || echo 'torch with CUDA not importable')"
fi

python3 "$KIT/summarize.py" "$RESULTS" | tee "$RESULTS/summary.md"
log "done"
exit "$check_status"
