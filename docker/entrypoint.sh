#!/bin/sh
# The image's command line (Dockerfile ENTRYPOINT), and the one the drift test runs with the
# Dockerfile's ENV (src/test/java/io/genserve/deploy/DockerfileDriftTest.java): change it here,
# both follow. Arguments are passed to Spring Boot (e.g. --genserve.batching.max-batch-size=4).
#
# Environment (the Dockerfile sets the defaults):
#   GENSERVE_HOME              where the image keeps app/ (the extracted layered jar)
#   GENSERVE_MODEL_REPOSITORY  the model folder; mount a volume there to serve your own models
#   TMPDIR                     java.io.tmpdir: writable and not noexec (ONNX Runtime extracts its
#                              native library there; Tomcat keeps its work files there)
#   JAVA_OPTS                  extra JVM flags, after the defaults below, so they win
#   GENSERVE_CDS               "train": the image build's training run (Dockerfile): start the
#                              context, exit once it is refreshed, and archive the classes loaded
#                              into app/genserve.jsa; every later start maps them from there
#                              (class data sharing: the JVM neither parses nor verifies them again)
set -eu
: "${GENSERVE_HOME:?GENSERVE_HOME is not set}"
: "${GENSERVE_MODEL_REPOSITORY:?GENSERVE_MODEL_REPOSITORY is not set}"
: "${TMPDIR:?TMPDIR is not set}"
export GENSERVE_MODEL_REPOSITORY

# Container-aware sizing: the JVM reads the cgroup's memory and CPU limits. The heap gets half the
# memory; the other half is for ONNX Runtime (weights, arenas, thread pools live outside the heap),
# metaspace and thread stacks. No -XX:+ExitOnOutOfMemoryError: a request whose images do not fit
# into the heap is answered 503 + Retry-After and the service goes on (requests are admitted against
# a memory budget, a quarter of the heap by default, so running out is rare).
# G1 whatever the CPU limit: with one CPU (or under 1792 MB) the JVM would pick the Serial
# collector, which gives heap back only at a full collection, so the memory a burst took would stay
# (io.genserve.runtime.MemoryReturn asks G1 for a periodic collection; a pinned 10-minute soak on
# one CPU ended at +67% RSS 60 s after the load with Serial).
# The archive must be used with the JVM and class path that recorded it, so training and serving
# share this one command line; a JAVA_OPTS that makes it unusable costs the gain, not the start.
archive="$GENSERVE_HOME/app/genserve.jsa"
cds=
if [ "${GENSERVE_CDS:-}" = train ]; then
  cds="-XX:ArchiveClassesAtExit=$archive -Dspring.context.exit=onRefresh"
elif [ -f "$archive" ]; then
  cds="-XX:SharedArchiveFile=$archive"
fi
# exec: java is PID 1 and gets SIGTERM itself, for the graceful shutdown.
# shellcheck disable=SC2086 # JAVA_OPTS and cds are lists of flags
exec java \
  -XX:+UseG1GC \
  -XX:MaxRAMPercentage=50 \
  -XX:InitialRAMPercentage=10 \
  -Djava.io.tmpdir="$TMPDIR" \
  $cds \
  ${JAVA_OPTS:-} \
  -jar "$GENSERVE_HOME/app/genserve.jar" "$@"
