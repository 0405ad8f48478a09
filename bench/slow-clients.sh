#!/usr/bin/env bash
# What slow clients (bodies a byte a second) cost a paced load at half saturation, with Tomcat's
# platform request threads and with virtual threads (io.genserve.bench.SlowClientsBench), run on
# demand. Virtual threads need Java 21+: JAVA21 names that java (default: Temurin 25 where it is
# installed, else the java on the PATH). Needs wrk (apt-get install wrk).
#   bench/slow-clients.sh
#   SLOW_ARGS="--slow 200,1000,3000 --seconds 30" bench/slow-clients.sh
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA21=${JAVA21:-$(ls /usr/lib/jvm/temurin-2*/bin/java 2>/dev/null | tail -1)}
mvn -q -B -DskipTests package
mvn -q -B test-compile
mvn -q -B exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.genserve.bench.SlowClientsBench \
  -Dexec.args="--java ${JAVA21:-java} ${SLOW_ARGS:-}"
