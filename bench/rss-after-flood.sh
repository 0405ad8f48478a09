#!/usr/bin/env bash
# Does memory come back after a flood? Starts the packaged service (heap of a 2 GiB container:
# -Xmx1g), floods /style-transfer with wrk (256 connections, closed loop, 60 s), and prints its RSS
# before, at the peak and 60 s after, for each ONNX Runtime arena setting given, with and without
# glibc's malloc arenas limited to 2 (MALLOC_ARENA_MAX=2).
#   bench/rss-after-flood.sh                 keep shrink off
#   bench/rss-after-flood.sh shrink
# Needs wrk (apt-get install wrk) and a built jar (mvn -q -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=target/genserve-0.1.0-SNAPSHOT.jar
PHOTO=src/test/resources/fixtures/photo-301x203.png
PORT=${PORT:-18380}
BODY=$(mktemp); LUA=$(mktemp)
trap 'rm -f "$BODY" "$LUA"' EXIT
printf '{"style": "style-starry-night", "image": "%s"}' "$(base64 -w0 "$PHOTO")" >"$BODY"
cat >"$LUA" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$BODY", "rb"); wrk.body = f:read("*a"); f:close()
LUA
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
echo "| arena | MALLOC_ARENA_MAX | RSS before MiB | peak MiB | 60 s after MiB | after / before | successes/s |"
echo "|---|---|---:|---:|---:|---:|---:|"
for arena in ${@:-keep shrink off}; do
  for mam in "" 2; do
    env ${mam:+MALLOC_ARENA_MAX=$mam} java -Xmx1g -jar "$JAR" --server.port=$PORT --management.server.port=$((PORT + 1)) \
      --genserve.onnx.arena="$arena" --logging.level.root=WARN --springdoc.api-docs.enabled=false >/dev/null 2>&1 &
    pid=$!
    until curl -sf localhost:$((PORT + 1))/actuator/health/readiness >/dev/null; do sleep 1; done
    wrk -t2 -c16 -d15s -s "$LUA" http://127.0.0.1:$PORT/style-transfer >/dev/null   # warm up
    sleep 5
    before=$(rss $pid); peak=$before
    wrk -t2 -c256 -d60s --timeout 60s -s "$LUA" http://127.0.0.1:$PORT/style-transfer >"$BODY.out" &
    w=$!
    while kill -0 $w 2>/dev/null; do r=$(rss $pid); [ "$r" -gt "$peak" ] && peak=$r; sleep 1; done
    total=$(awk '/requests in/ {print $1}' "$BODY.out")
    non2xx=$(awk '/Non-2xx/ {print $5}' "$BODY.out"); non2xx=${non2xx:-0}
    rate=$(awk "BEGIN {printf \"%.1f\", ($total - $non2xx) / 60}")
    sleep 60
    after=$(rss $pid)
    kill $pid; wait $pid 2>/dev/null || true
    echo "| $arena | ${mam:-unset} | $before | $peak | $after | $(awk "BEGIN {printf \"%.2f\", $after / $before}") | $rate |"
  done
done
