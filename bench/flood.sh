#!/usr/bin/env bash
# Flood goodput (README, Reliability): successes/s of ENDPOINT at CONC closed-loop connections vs at 32.
# The service and wrk run at nice -15 (root; NICE=0 runs them as the soak does) so that other work on a shared machine disturbs them less;
# WRK_NICE sets wrk's apart (19: the load generator takes only what the service leaves, as if it ran elsewhere);
# PODS=1 runs the service and wrk each in a cpu cgroup of its own with equal shares (root, cgroup v1
# at /sys/fs/cgroup/cpu), as two pods on one node: nice values then order the service's threads
# among themselves only, and wrk's CPU comes from its own share rather than from theirs (but the
# service then has nearly both cores at 32 connections and one under the flood);
# PODS=pinned runs the service on CPU 0 and wrk on CPU 1 throughout, so S and the flood get the same CPU;
# EXECNICE renices the API request threads from outside (a number) or not ("none"). During the flood
# (D >= 10 s) it prints where the CPU went (bench/cpu-split.py: the service's threads by group, and wrk).
#   bench/flood.sh generate 1024 15 none
#   PODS=pinned NICE=0 bench/flood.sh generate 2048 20 none
#   JAR=other.jar bench/flood.sh style-transfer 256 15 none --genserve.http.shedding.enabled=false
set -euo pipefail
EP=$1; C=$2; D=$3; EN=$4; shift 4
PORT=18580
cd "$(dirname "$0")/.."
PHOTO=src/test/resources/fixtures/photo-301x203.png
BODY=$(mktemp); LUA=$(mktemp)
if [ "$EP" = generate ]; then printf '{"model":"fashion-gan","count":1}' >"$BODY"; else
printf '{"style": "style-starry-night", "image": "%s"}' "$(base64 -w0 "$PHOTO")" >"$BODY"; fi
cat >"$LUA" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$BODY", "rb"); wrk.body = f:read("*a"); f:close()
LUA
nice -n ${NICE:--15} bench/pod.sh service java -Xmx1g -jar ${JAR:-target/genserve-0.1.0-SNAPSHOT.jar} --server.port=$PORT --management.server.port=$((PORT + 1)) \
  --logging.level.root=WARN --springdoc.api-docs.enabled=false "$@" >/tmp/flood-svc.log 2>&1 &
pid=$!
trap 'kill $pid; wait $pid 2>/dev/null; rm -f $BODY $LUA' EXIT
until curl -sf localhost:$((PORT + 1))/actuator/health/readiness >/dev/null; do sleep 0.5; done
# Warm-up: the JIT takes ~40 s of load to settle on /generate (measured: 0.67 cores in the first
# 15 s, 0.25 in the next, ~0.01 after 45 s); the flood's own paths (refusals) are warmed too.
nice -n ${WRK_NICE:-${NICE:--15}} bench/pod.sh load wrk -t2 -c64 -d$((${WARMUP:-50} - 10))s -s "$LUA" http://127.0.0.1:$PORT/$EP >/dev/null
nice -n ${WRK_NICE:-${NICE:--15}} bench/pod.sh load wrk -t2 -c$C -d10s -s "$LUA" http://127.0.0.1:$PORT/$EP >/dev/null
renice_exec() {
  [ "$EN" = none ] && return
  jstack $pid | grep -E "\"(http-nio-$PORT|http-api)-exec" | sed 's/.*nid=\(0x[0-9a-f]*\).*/\1/' | while read h; do renice -n $EN -p $((h)) >/dev/null; done
}
for c in 32 $C; do
  renice_exec
  nice -n ${WRK_NICE:-${NICE:--15}} bench/pod.sh load wrk -t2 -c$c -d${D}s --timeout 30s -s "$LUA" http://127.0.0.1:$PORT/$EP >/tmp/flood-wrk.out &
  wrkpid=$!
  if [ "$c" != 32 ] && [ "$D" -ge 10 ]; then
    # where the CPU goes in the middle of the flood: the service's threads by group, and wrk beside it
    sleep 3; bench/cpu-split.py $((D - 6)) $pid $wrkpid
  fi
  wait $wrkpid
  total=$(awk '/requests in/ {print $1}' /tmp/flood-wrk.out)
  non2xx=$(awk '/Non-2xx/ {print $5}' /tmp/flood-wrk.out); non2xx=${non2xx:-0}
  errors=$(awk '/Socket errors/ {sub(/.*Socket errors: /, ""); print}' /tmp/flood-wrk.out); errors=${errors:-none}
  echo "$EP c=$c socket-errors=[$errors] ok/s=$(awk "BEGIN {printf \"%.1f\", ($total - $non2xx) / $D}") refused/s=$(awk "BEGIN {printf \"%.1f\", $non2xx / $D}") execnice=$EN args=$*"
done
