#!/usr/bin/env bash
# Prepares the GPU check kit here, for a GPU machine that has no .NET and no network, and takes at
# most 64 MiB of files per command (benchmarks/gpu/README.md gives the order of commands).
#   1. publishes the kit harness self-contained for linux-x64: the embedding service's code (hosted
#      in-process on loopback gRPC), ONNX Runtime with its CUDA provider, and the .NET runtime;
#   2. packs it with run.sh and torch_bench.py into one xz archive, split into pieces of PIECE_MIB;
#   3. writes MANIFEST: each piece's SHA-256 and size, and the whole archive's.
# The model is not packed: a BERT-base export is 440 MB, so run.sh writes it on the GPU machine.
#
#   benchmarks/gpu/prepare.sh [--cpu] [--out DIR]
#     --cpu   leave out the CUDA provider (284 MB): the kit for the CPU dry run (run.sh --cpu)
#     --out   where the pieces go (default benchmarks/gpu/pieces, which git ignores)
# Environment: PIECE_MIB (default 56: a piece plus the working tree stays under the 64 MiB a command carries)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
CPU_ONLY=false
OUT="$ROOT/benchmarks/gpu/pieces"
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) CPU_ONLY=true ;;
    --out) OUT="$(mkdir -p "$2" && cd "$2" && pwd)"; shift ;;
    *) echo "prepare.sh: unknown argument '$1'; expected --cpu or --out DIR." >&2; exit 2 ;;
  esac
  shift
done
PIECE_MIB="${PIECE_MIB:-56}"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT

echo "[prepare] publishing the kit harness self-contained for linux-x64" >&2
dotnet publish benchmarks/EngramBulkLoad.Benchmarks.Gpu -c Release -r linux-x64 --self-contained true \
  -p:DebugType=none -p:GenerateDocumentationFile=false -v q -nologo -o "$STAGE/kit/app" >&2
# TensorRT is not used; the CUDA provider is the 284 MB that makes the kit several pieces.
rm -f "$STAGE/kit/app/libonnxruntime_providers_tensorrt.so"
if $CPU_ONLY; then rm -f "$STAGE/kit/app/libonnxruntime_providers_cuda.so"; fi
cp benchmarks/gpu/run.sh benchmarks/gpu/torch_bench.py benchmarks/gpu/summarize.py "$STAGE/kit/"

echo "[prepare] packing (xz)" >&2
rm -rf "$OUT" && mkdir -p "$OUT"
tar -C "$STAGE" -cf - kit | xz -T0 -6 > "$STAGE/kit.tar.xz"
split -b "${PIECE_MIB}M" -d -a 2 "$STAGE/kit.tar.xz" "$OUT/piece-"
{
  echo "# GPU kit pieces: sha256 bytes name; the last line is the whole archive."
  for piece in "$OUT"/piece-*; do
    printf '%s %s %s\n' "$(sha256sum "$piece" | cut -d' ' -f1)" "$(stat -c %s "$piece")" "$(basename "$piece")"
  done
  printf '%s %s %s\n' "$(sha256sum "$STAGE/kit.tar.xz" | cut -d' ' -f1)" "$(stat -c %s "$STAGE/kit.tar.xz")" "kit.tar.xz"
} > "$OUT/MANIFEST"
cp benchmarks/gpu/receive.sh "$OUT/"
count=$(ls "$OUT"/piece-* | wc -l)
echo "[prepare] $count piece(s) of at most $PIECE_MIB MiB in $OUT ($(du -sh "$STAGE/kit.tar.xz" | cut -f1) packed, $(du -sh "$STAGE/kit" | cut -f1) unpacked); MANIFEST lists them." >&2
