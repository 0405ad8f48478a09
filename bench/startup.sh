#!/usr/bin/env bash
# Start to ready: the time from starting java to the first 200 of /actuator/health/readiness on the
# management port (every model of ./models loaded and warmed up), over several starts, the CPU the
# JVM used until then, the service's own account of where the time went (its "start-up:" log
# lines) and what max-batch-size: auto chose.
#   bench/startup.sh [jar|cds|aot] [RUNS]    default: jar 5
#     jar  java -jar target/genserve-*.jar, as the README runs it
#     cds  the jar extracted (java -Djarmode=tools ... extract) and started with a class-data-sharing
#          archive recorded by one training run (-XX:ArchiveClassesAtExit, -Dspring.context.exit=onRefresh),
#          as Spring Boot's "Class Data Sharing" documents and the container image does
#     aot  the same with Java 25's AOT cache (JEP 483/514/515: classes loaded and linked, and method
#          profiles; -XX:AOTCacheOutput, then -XX:AOTCache), CDS's successor; needs JAVA=a JDK 25+
# Needs a built jar (mvn -q -DskipTests package; another one: JAR=path) and curl; JAVA=another java. Extra JVM flags: JAVA_OPTS. Ports: PORT
# (API), PORT+1 (management), PORT+2 (gRPC); default 18480.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-jar}
RUNS=${2:-5}
PORT=${PORT:-18480}
JAR=${JAR:-$(ls target/genserve-*.jar | grep -v -e sources -e javadoc | head -1)}
WORK=target/startup
mkdir -p "$WORK"
ARGS=(--server.port=$PORT --management.server.port=$((PORT + 1)) --genserve.grpc.port=$((PORT + 2)))

case "$MODE" in
  jar) CMD=(${JAVA:-java} ${JAVA_OPTS:-} -jar "$JAR") ;;
  cds|aot)
    rm -rf "$WORK/app"
    ${JAVA:-java} -Djarmode=tools -jar "$JAR" extract --destination "$WORK/app" --application-filename genserve.jar >/dev/null
    # The training run: the context starts and the JVM exits at refresh, writing the classes it loaded.
    if [ "$MODE" = cds ]; then RECORD=-XX:ArchiveClassesAtExit="$WORK/app/genserve.jsa"; USE=-XX:SharedArchiveFile="$WORK/app/genserve.jsa"
    else RECORD=-XX:AOTCacheOutput="$WORK/app/genserve.aot"; USE=-XX:AOTCache="$WORK/app/genserve.aot"; fi
    ${JAVA:-java} ${JAVA_OPTS:-} "$RECORD" -Dspring.context.exit=onRefresh \
      -jar "$WORK/app/genserve.jar" "${ARGS[@]}" >"$WORK/training.log" 2>&1
    CMD=(${JAVA:-java} ${JAVA_OPTS:-} "$USE" -jar "$WORK/app/genserve.jar") ;;
  *) echo "usage: bench/startup.sh [jar|cds|aot] [RUNS]" >&2; exit 2 ;;
esac

echo "command: ${CMD[*]} ${ARGS[*]}"
times=()
for i in $(seq "$RUNS"); do
  log="$WORK/run-$i.log"
  t0=$(date +%s%N)
  "${CMD[@]}" "${ARGS[@]}" >"$log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$((PORT + 1))/actuator/health/readiness"; do
    if ! kill -0 $pid 2>/dev/null; then echo "run $i: the service exited; see $log" >&2; exit 1; fi
    sleep 0.02
  done
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  # CPU the JVM used until ready (user + system, clock ticks): less at the mercy of a busy machine than wall time.
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000 / hz}' "/proc/$pid/stat")
  times+=("$ms")
  echo "run $i: ready in $ms ms, $cpu ms of CPU"
  grep -o 'start-up: .*' "$log" | sed 's/^/  /' || grep -o 'Started GenserveApplication.*' "$log" | sed 's/^/  /'
  grep -o "model '[^']*' max-batch-size auto: .*" "$log" | sed 's/^/  /' || true
  kill $pid
  wait $pid 2>/dev/null || true
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "start to ready, ms: min $(echo "$sorted" | head -1), median $(echo "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p"), max $(echo "$sorted" | tail -1) ($RUNS runs, mode $MODE, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
