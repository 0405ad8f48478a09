#!/usr/bin/env bash
# The load benchmark of the README: /generate, /inpaint and /style-transfer on the default
# models, batching on and off, against raw ONNX Runtime on the same graphs, each in one run.
# /generate also runs beside the Node.js peer (bench/node-peer: onnxruntime-node behind node:http,
# one process per core), three alternating rounds of the same load at concurrency 32.
# Needs wrk (Debian: apt-get install wrk), and node + npm for the peer (Debian: nodejs, npm).
# About 4 minutes an endpoint on 2 cores, a minute more for the peer.
#   bench/run.sh                   all three
#   bench/run.sh generate inpaint  some
# Extra Bench options go in BENCH_ARGS, e.g. BENCH_ARGS="--seconds 4 --warmup 5"; PEER= runs no peer;
# MVN_ARGS=-Pcuda builds and runs with the GPU build of ONNX Runtime (bench/gpu.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PHOTO=src/test/resources/fixtures/photo-301x203.png
PEER=${PEER-bench/node-peer}
mvn -q -B ${MVN_ARGS:-} test-compile
peer() {
  [ -n "$PEER" ] || return 0
  # --ignore-scripts: onnxruntime-node ships its CPU binaries; its install script only fetches the
  # CUDA ones, from NuGet, which may not be reachable. npm's output goes to stderr: stdout is the args.
  [ -d "$PEER/node_modules" ] || (cd "$PEER" && npm ci --ignore-scripts --no-audit --no-fund >&2)
  echo "--peer $PEER"
}
bench() {
  mvn -q -B ${MVN_ARGS:-} exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.genserve.bench.Bench \
    -Dexec.args="$* ${BENCH_ARGS:-}"
}
for endpoint in ${@:-generate inpaint style-transfer}; do
  case $endpoint in
    generate) bench --endpoint generate --model fashion-gan --max-batch 32 $(peer) ;;
    inpaint) bench --endpoint inpaint --model photo-inpaint --image $PHOTO --max-batch 16 ;;
    style-transfer) bench --endpoint style-transfer --model style-starry-night --image $PHOTO --max-batch 16 ;;
    *) echo "unknown endpoint $endpoint (generate, inpaint, style-transfer)" >&2; exit 2 ;;
  esac
done
