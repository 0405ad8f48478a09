#!/usr/bin/env bash
# The hostile-traffic soak of the README (io.genserve.bench.Soak), run on demand: the packaged
# service in its own JVM, per endpoint: saturation S measured first, then the soak time at 2x S
# with, in its middle third, a flood that ignores Retry-After (16x the
# connections that saturate, closed loop) and 200 clients sending bodies
# a byte a second; liveness asked every 250 ms throughout; RSS before, at the peak and 60 s after.
# Needs wrk (Debian: apt-get install wrk).
# PODS=1 (root, cgroup v1 cpu controller): the service in one cpu cgroup, everything else (wrk, the
# slow clients, the probe) in another with the same share, as two pods on one node (bench/pod.sh).
# PODS=pinned: the service on CPU 0, everything else on CPU 1 (taskset), so that S and the flood
# phase are measured on the same CPU (with PODS=1 the service has nearly both cores while S is
# measured, and one once the flood's load generators work hard).
#   bench/soak.sh                                  10 minutes an endpoint, generate and style-transfer
#   SOAK_ARGS="--minutes 3 --endpoints generate" bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${PODS:-0}" = 1 ]; then mkdir -p /sys/fs/cgroup/cpu/flood-load && echo $$ >/sys/fs/cgroup/cpu/flood-load/cgroup.procs; fi
if [ "${PODS:-0}" = pinned ]; then taskset -c -p 1 $$ >/dev/null; fi
mvn -q -B -DskipTests package
mvn -q -B test-compile
mvn -q -B exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.genserve.bench.Soak \
  -Dexec.args="--minutes 10 ${SOAK_ARGS:-}"
