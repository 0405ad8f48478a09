#!/usr/bin/env bash
# The Open Inference Protocol's cost next to the task endpoint on the default generator
# (fashion-gan): one image a request, as OIP binary tensors, OIP JSON tensors and /generate
# (which also samples the latent and encodes a PNG), each driven by wrk at one concurrency, in
# one run against one service started from the jar. Needs wrk (Debian: apt-get install wrk).
#   bench/oip.sh                              16 connections, 10 s warm-up + 20 s each
#   CONNECTIONS=32 SECONDS_EACH=30 bench/oip.sh
set -euo pipefail
cd "$(dirname "$0")/.."
C=${CONNECTIONS:-16}
D=${SECONDS_EACH:-20}
PORT=${PORT:-18080}
mvn -q -B -DskipTests package
work=$(mktemp -d)
java -jar target/genserve-0.1.0-SNAPSHOT.jar --server.port="$PORT" --genserve.grpc.port=0 \
  --spring.main.banner-mode=off > "$work/service.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
until curl -sf "localhost:$PORT/actuator/health/readiness" > /dev/null; do sleep 1; done

# The three bodies: the same latent values and class for the two OIP forms.
python3 - "$work" <<'PY'
import json, struct, sys
work = sys.argv[1]
z = [0.1 * ((i % 7) - 3) for i in range(64)]
open(f"{work}/generate.json", "w").write(json.dumps({"model": "fashion-gan", "label": 7, "seed": 1}))
open(f"{work}/oip.json", "w").write(json.dumps({"inputs": [
    {"name": "z", "shape": [1, 64], "datatype": "FP32", "data": z},
    {"name": "label", "shape": [1], "datatype": "INT64", "data": [7]}]}))
header = json.dumps({"inputs": [
    {"name": "z", "shape": [1, 64], "datatype": "FP32", "parameters": {"binary_data_size": 256}},
    {"name": "label", "shape": [1], "datatype": "INT64", "parameters": {"binary_data_size": 8}}],
    "parameters": {"binary_data_output": True}}).encode()
open(f"{work}/oip.bin", "wb").write(header + struct.pack("<64f", *z) + struct.pack("<q", 7))
open(f"{work}/oip.bin.length", "w").write(str(len(header)))
PY

script() { # body file, content type, extra header line
  cat > "$work/$1.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "$2"
$3
local f = io.open("$work/$1", "rb")
wrk.body = f:read("*a")
f:close()
LUA
}
script generate.json application/json ""
script oip.json application/json ""
script oip.bin application/octet-stream "wrk.headers[\"Inference-Header-Content-Length\"] = \"$(cat "$work/oip.bin.length")\""

# Warm every path up first (JIT, ORT arenas), then measure each in turn.
for b in oip.bin oip.json; do wrk -t2 -c"$C" -d10s -s "$work/$b.lua" "http://127.0.0.1:$PORT/v2/models/fashion-gan/infer" > /dev/null; done
wrk -t2 -c"$C" -d10s -s "$work/generate.json.lua" "http://127.0.0.1:$PORT/generate" > /dev/null

# Rounds in rotation, so that a machine whose load changes (a shared one) weighs on all three alike.
ROUNDS=${ROUNDS:-3}
declare -A rps p50 p99 bad
measure() { # key, path, body
  out=$(wrk -t2 -c"$C" -d"${D}s" --latency -s "$work/$3.lua" "http://127.0.0.1:$PORT$2")
  rps[$1]+="$(awk '/Requests\/sec/ {print $2}' <<< "$out") "
  p50[$1]+="$(awk '$1 == "50%" {print $2}' <<< "$out") "
  p99[$1]+="$(awk '$1 == "99%" {print $2}' <<< "$out") "
  bad[$1]+="$(awk '/Non-2xx/ {print $5}' <<< "$out")"
}
for ((r = 0; r < ROUNDS; r++)); do
  measure binary /v2/models/fashion-gan/infer oip.bin
  measure json /v2/models/fashion-gan/infer oip.json
  measure generate /generate generate.json
done
echo "| request ($C connections, $ROUNDS rounds of ${D} s in rotation) | req/s, each round | mean req/s | p50, each round | p99, each round | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
row() { # label, key
  mean=$(tr ' ' '\n' <<< "${rps[$2]}" | awk 'NF {s += $1; n++} END {printf "%.0f", s / n}')
  echo "| $1 | ${rps[$2]% } | $mean | ${p50[$2]% } | ${p99[$2]% } | ${bad[$2]:-0} |"
}
row "OIP binary tensors (\`/v2/models/fashion-gan/infer\`)" binary
row "OIP JSON tensors (same)" json
row "\`/generate\` (PNG answer)" generate
