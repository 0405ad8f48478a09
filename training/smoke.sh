#!/bin/bash
# Smoke test of the whole training pipeline: every script trains a few steps on a tiny subset and
# exports a complete model folder (model.onnx, genserve.yaml, README.md, figure) into OUTDIR.
# Takes about a minute on 2 cores. Metrics in the smoke cards are meaningless.
#   training/smoke.sh OUTDIR
set -euo pipefail
OUT=${1:?usage: training/smoke.sh OUTDIR}
cd "$(dirname "$0")/.."
. training/deps.sh
mkdir -p "$OUT"
run() { echo "== smoke: $1"; shift; nice -n 10 "$PY" "$@" --smoke; }
run fashion-gan        training/fashion_gan.py --out "$OUT/fashion-gan"
run photo-inpaint      training/photo_inpaint.py --out "$OUT/photo-inpaint"
run style-starry-night training/style_transfer.py starry-night --out "$OUT/style-starry-night"
run style-night-cafe   training/style_transfer.py night-cafe --out "$OUT/style-night-cafe"
run photo-upscale      training/photo_upscale.py --out "$OUT/photo-upscale"
"$PY" training/style_eval.py --sheet "$OUT" --smoke
# Real ONNX Runtime (Java API) at odd sizes vs torch; skipped when java / the ORT jar are absent.
"$PY" training/verify_onnx.py "$OUT" --smoke
ls -l "$OUT"/*
