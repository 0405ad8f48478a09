#!/bin/bash
# Retrains, evaluates and exports every default model into models/ (or OUTDIR):
#   models/fashion-gan, models/photo-inpaint, models/style-starry-night, models/style-night-cafe,
#   models/photo-upscale
# Installs the Debian packages it needs first. About 80-100 minutes on 2 CPU cores (see
# training/README.md). Each script exits non-zero when its quality bar is not met.
#   training/run_all.sh [OUTDIR]
set -euo pipefail
OUT=${1:-models}
cd "$(dirname "$0")/.."
. training/deps.sh
mkdir -p "$OUT" training/work/logs
run() {
  local name=$1; shift
  echo "== $name (log: training/work/logs/$name.log)"
  nice -n 10 "$PY" "$@" --out "$OUT/$name" 2>&1 | tee "training/work/logs/$name.log"
}
run fashion-gan        training/fashion_gan.py
run photo-inpaint      training/photo_inpaint.py
run style-starry-night training/style_transfer.py starry-night
run style-night-cafe   training/style_transfer.py night-cafe
run photo-upscale      training/photo_upscale.py
"$PY" training/style_eval.py --sheet "$OUT"   # both styles + their controls, into both style cards
"$PY" training/verify_onnx.py "$OUT" | tee training/work/logs/verify_onnx.log
du -sh "$OUT"/*/model.onnx
