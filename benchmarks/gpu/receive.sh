#!/usr/bin/env bash
# Run on the GPU machine by each command that carries a piece: moves the carried pieces (and MANIFEST)
# out of the working copy into KIT_DIR, which outlives the command while the machine stays up.
#   bash benchmarks/gpu/receive.sh            (KIT_DIR default /tmp/ebl-gpu-kit)
set -euo pipefail
cd "$(dirname "$0")/../.."
KIT_DIR="${KIT_DIR:-/tmp/ebl-gpu-kit}"
mkdir -p "$KIT_DIR/pieces"
shopt -s nullglob
moved=0
for file in benchmarks/gpu/pieces/piece-* benchmarks/gpu/pieces/MANIFEST; do
  cp "$file" "$KIT_DIR/pieces/" && moved=$((moved + 1))
done
echo "[receive] $moved file(s) into $KIT_DIR/pieces; now there: $(cd "$KIT_DIR/pieces" && ls | tr '\n' ' ')"
