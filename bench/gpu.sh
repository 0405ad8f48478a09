#!/usr/bin/env bash
# The GPU check of the README: on a Linux host with an NVIDIA GPU, its driver, CUDA 12 and cuDNN 9
# libraries where ONNX Runtime's CUDA provider finds them, a JDK 17+ and Maven. Builds with -Pcuda
# (onnxruntime_gpu), starts the service with execution-provider=cuda (the start fails without a
# usable GPU), checks that GET /models reports cuda for every model, then runs the load benchmark
# of every endpoint with batching on and off (bench/run.sh), where dynamic batching should pay most.
#   bench/gpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18680}
mvn -q -B -Pcuda -DskipTests package
java -jar target/genserve-0.1.0-SNAPSHOT.jar --server.port=$PORT --management.server.port=$((PORT + 1)) \
  --genserve.grpc.port=0 --genserve.onnx.execution-provider=cuda --logging.level.root=WARN >target/gpu-service.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 120); do
  curl -sf localhost:$((PORT + 1))/actuator/health/readiness >/dev/null && break
  kill -0 $pid 2>/dev/null || { tail -30 target/gpu-service.log; exit 1; }
  sleep 1
done
curl -sf localhost:$PORT/models | python3 -c '
import json, sys
models = json.load(sys.stdin)["models"]
for m in models:
    print(m["name"], m.get("provider"))
off = [m["name"] for m in models if m.get("provider") != "cuda"]
sys.exit("not on cuda: " + ", ".join(off) if off else 0)'
kill $pid; wait $pid 2>/dev/null || true
trap - EXIT
# The benchmark starts the service in its own JVM per setting; -Pcuda puts the GPU build on its
# classpath and the environment variable (Spring's relaxed binding) selects the provider. Its raw
# ONNX Runtime column stays on the CPU: compare batching on and off, not service vs raw, here.
GENSERVE_ONNX_EXECUTIONPROVIDER=cuda MVN_ARGS=-Pcuda PEER= bench/run.sh generate inpaint style-transfer
