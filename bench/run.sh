#!/usr/bin/env bash
# The load benchmark of the README: /generate, /inpaint and /style-transfer on the default
# models, batching on and off, against raw ONNX Runtime on the same graphs, each in one run.
# Needs wrk (Debian: apt-get install wrk). About 4 minutes an endpoint on 2 cores.
#   bench/run.sh                   all three
#   bench/run.sh generate inpaint  some
# Extra Bench options go in BENCH_ARGS, e.g. BENCH_ARGS="--seconds 4 --warmup 5".
set -euo pipefail
cd "$(dirname "$0")/.."
PHOTO=src/test/resources/fixtures/photo-301x203.png
mvn -q -B test-compile
bench() {
  mvn -q -B exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.genserve.bench.Bench \
    -Dexec.args="$* ${BENCH_ARGS:-}"
}
for endpoint in ${@:-generate inpaint style-transfer}; do
  case $endpoint in
    generate) bench --endpoint generate --model fashion-gan --max-batch 32 ;;
    inpaint) bench --endpoint inpaint --model photo-inpaint --image $PHOTO --max-batch 16 ;;
    style-transfer) bench --endpoint style-transfer --model style-starry-night --image $PHOTO --max-batch 16 ;;
    *) echo "unknown endpoint $endpoint (generate, inpaint, style-transfer)" >&2; exit 2 ;;
  esac
done
