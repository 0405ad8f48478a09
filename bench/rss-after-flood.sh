#!/usr/bin/env bash
# Does memory come back after a flood, and what holds it? Starts the packaged service (heap of a
# 2 GiB container: -Xmx1g) once per configuration, floods ENDPOINT (style-transfer, or generate) with
# wrk (CONNECTIONS, 256 by default, closed loop, FLOOD_S 60 s) and prints, before, at the peak and 60 s after: the process's
# RSS, the Java heap the JVM has committed, and everything else the JVM itself tracks (Native
# Memory Tracking: metaspace, code, threads, GC); what is left of the RSS is memory the JVM does
# not know of: ONNX Runtime's allocations and glibc's free lists.
#   bench/rss-after-flood.sh                     every configuration below
#   bench/rss-after-flood.sh off default         some of them
#   ENDPOINT=generate CONNECTIONS=512 bench/rss-after-flood.sh default
# A configuration is JVM flags, environment and application arguments: `default` is the service as
# it comes (genserve.memory.return-interval 5s, genserve.onnx.arena shrink), `off` without memory
# return, `heap-flag`/`trim-flag` with only one of its two parts, set as JVM flags instead.
# Needs wrk (apt-get install wrk) and a built jar (mvn -q -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=target/genserve-0.1.0-SNAPSHOT.jar
PHOTO=src/test/resources/fixtures/photo-301x203.png
PORT=${PORT:-18380}
FLOOD_S=${FLOOD_S:-60}
ENDPOINT=${ENDPOINT:-style-transfer}
CONNECTIONS=${CONNECTIONS:-256}
OFF="--genserve.memory.return-interval=0"
declare -A CONFIG=(
  [off]="JVM= ENV= ARGS=$OFF"
  [heap-flag]="JVM=-XX:G1PeriodicGCInterval=5000 ENV= ARGS=$OFF"
  [trim-flag]="JVM=-XX:TrimNativeHeapInterval=5000 ENV= ARGS=$OFF"
  [default]="JVM= ENV="
  [arena-keep]="JVM= ENV= ARGS=--genserve.onnx.arena=keep"
  [arena-keep-off]="JVM= ENV= ARGS=--genserve.onnx.arena=keep $OFF"
  [heap-ratio]="JVM=-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 ENV="
)
BODY=$(mktemp); LUA=$(mktemp)
trap 'rm -f "$BODY" "$BODY.out" "$LUA"' EXIT
if [ "$ENDPOINT" = generate ]; then printf '{"model":"fashion-gan","count":1}' >"$BODY"; else
printf '{"style": "style-starry-night", "image": "%s"}' "$(base64 -w0 "$PHOTO")" >"$BODY"; fi
cat >"$LUA" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$BODY", "rb"); wrk.body = f:read("*a"); f:close()
LUA
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
# "heap/jvm-other/rest" in MiB: committed Java heap, the rest of what NMT counts as committed,
# and the RSS that neither accounts for.
split() {
  local r nmt
  r=$(rss "$1")
  nmt=$(jcmd "$1" VM.native_memory summary scale=KB 2>/dev/null) || { echo "$r/?/?"; return; }
  awk -v rss="$r" '
    /^Total:/ { for (i = 1; i <= NF; i++) if ($i ~ /^committed=/) { sub(/committed=/, "", $i); sub(/KB,?/, "", $i); total = $i } }
    /Java Heap \(reserved=/ { for (i = 1; i <= NF; i++) if ($i ~ /^committed=/) { sub(/committed=/, "", $i); sub(/KB\)?/, "", $i); heap = $i } }
    END { printf "%d / %d / %d", heap / 1024, (total - heap) / 1024, rss - total / 1024 }' <<<"$nmt"
}
echo "| configuration | RSS before MiB | peak | 60 s after | after / before | heap / JVM other / rest, before | same, 60 s after | successes/s |"
echo "|---|---:|---:|---:|---:|---|---|---:|"
for name in ${@:-off heap-flag trim-flag default arena-keep arena-keep-off}; do
  spec=${CONFIG[$name]:?unknown configuration $name}
  jvm=$(sed -E 's/^JVM=(.*) ENV=.*/\1/' <<<"$spec")
  rest=$(sed -E 's/^.* ENV=//' <<<"$spec")
  env_=${rest%% ARGS=*}; args=; [[ $rest == *ARGS=* ]] && args=${rest#* ARGS=}
  # shellcheck disable=SC2086 # flag lists
  env $env_ java -Xmx1g -XX:NativeMemoryTracking=summary $jvm -jar "$JAR" --server.port=$PORT \
    --management.server.port=$((PORT + 1)) --logging.level.root=WARN --springdoc.api-docs.enabled=false \
    $args >/dev/null 2>&1 &
  pid=$!
  until curl -sf localhost:$((PORT + 1))/actuator/health/readiness >/dev/null; do sleep 1; done
  wrk -t2 -c16 -d15s -s "$LUA" http://127.0.0.1:$PORT/$ENDPOINT >/dev/null   # warm up
  sleep 15
  before=$(rss $pid); split_before=$(split $pid); peak=$before
  wrk -t2 -c$CONNECTIONS -d${FLOOD_S}s --timeout 60s -s "$LUA" http://127.0.0.1:$PORT/$ENDPOINT >"$BODY.out" &
  w=$!
  while kill -0 $w 2>/dev/null; do r=$(rss $pid); [ "$r" -gt "$peak" ] && peak=$r; sleep 1; done
  total=$(awk '/requests in/ {print $1}' "$BODY.out")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$BODY.out"); non2xx=${non2xx:-0}
  rate=$(awk "BEGIN {printf \"%.1f\", ($total - $non2xx) / $FLOOD_S}")
  sleep 60
  after=$(rss $pid); split_after=$(split $pid)
  kill $pid; wait $pid 2>/dev/null || true
  echo "| $name | $before | $peak | $after | $(awk "BEGIN {printf \"%.2f\", $after / $before}") | $split_before | $split_after | $rate |"
done
