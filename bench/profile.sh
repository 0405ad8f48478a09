#!/usr/bin/env bash
# CPU flame graph of /generate under load (issue 11, item 1): the packaged jar on the default
# models, with the bench's settings (bench/run.sh), driven by wrk in a closed loop; async-profiler
# (Maven Central: tools.profiler:async-profiler, which ships libasyncProfiler.so) is attached with
# jcmd after a warm-up, so the graph shows the steady state, not start-up or the JIT.
# Needs wrk (Debian: apt-get install wrk) and a JDK's jcmd.
#   bench/profile.sh [name]        writes docs/profiles/<name>.html (flame graph) and <name>.txt
#                                  (the hottest frames, self and total); name: generate-c32
# Settings: CONCURRENCY (32), DURATION (20 s, profiled), WARMUP (15), INTERVAL (cpu sampling, 1ms),
# EVENT (cpu: perf_events where the kernel allows, else itimer), BUILD=0 to use target/*.jar as is,
# COLLAPSED=file to keep the collapsed stacks too (big), ARGS for more service options
# (e.g. ARGS=--genserve.batching.max-batch-size=1 to profile batching off).
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=${1:-generate-c32}
CONCURRENCY=${CONCURRENCY:-32}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-15}
INTERVAL=${INTERVAL:-1ms}
EVENT=${EVENT:-cpu}
ASPROF_VERSION=4.2
OUT=docs/profiles
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 2; }

[ "${BUILD:-1}" = 0 ] || mvn -q -B package -DskipTests
JAR=$(ls target/genserve-*.jar | grep -v -e sources -e original | head -1)

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
mvn -q -B dependency:copy -Dartifact=tools.profiler:async-profiler:$ASPROF_VERSION -DoutputDirectory="$work"
unzip -q -j "$work/async-profiler-$ASPROF_VERSION.jar" linux-x64/libasyncProfiler.so -d "$work"
LIB=$work/libasyncProfiler.so

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The settings of Bench.start: a queue that never refuses at this concurrency, quiet logs.
java -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -jar "$JAR" \
  --server.port="$port" --management.server.port="$mport" --genserve.model-repository=models \
  --spring.main.banner-mode=off --logging.level.root=WARN \
  --springdoc.api-docs.enabled=false --springdoc.swagger-ui.enabled=false \
  --genserve.batching.max-queue-size=1024 --server.tomcat.threads.max=256 --genserve.grpc.port=0 ${ARGS:-} \
  >"$work/service.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$mport/actuator/health/readiness" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/service.log" >&2; exit 1; }
  sleep 1
done

cat >"$work/post.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model": "fashion-gan"}'
EOF
url=http://127.0.0.1:$port/generate
wrk -t2 -c16 -d"${WARMUP}s" -s "$work/post.lua" "$url" >/dev/null
# jcmd parses its arguments itself: the agent's options must be one quoted string, or '=' splits them.
asprof() { jcmd "$pid" JVMTI.agent_load "$LIB" "\"$1\"" >/dev/null; }
asprof "start,event=$EVENT,interval=$INTERVAL"
wrk -t2 -c"$CONCURRENCY" -d"${DURATION}s" --latency -s "$work/post.lua" "$url" | tee "$work/wrk.txt"
asprof "dump,file=$PWD/$OUT/$NAME.html,title=$NAME"
asprof "stop,file=$work/collapsed.txt,collapsed"

# The hottest frames: self samples (the frame at the top of the stack) and total (anywhere on it).
python3 - "$work/collapsed.txt" "$work/wrk.txt" "$EVENT" "$INTERVAL" >"$OUT/$NAME.txt" <<'EOF'
import collections, sys
self_, total, n = collections.Counter(), collections.Counter(), 0
for line in open(sys.argv[1]):
    stack, _, count = line.rstrip().rpartition(" ")
    count = int(count); n += count
    frames = stack.split(";")
    self_[frames[-1]] += count
    for f in set(frames):
        total[f] += count
wrk = open(sys.argv[2]).read()
rate = [l for l in wrk.splitlines() if "Requests/sec" in l]
print(f"/generate under wrk; {sys.argv[3]} samples every {sys.argv[4]}: {n}; {rate[0].strip() if rate else ''}")
def table(title, c, k):
    print(f"\n{title}\n")
    for f, v in c.most_common(k):
        print(f"{100 * v / n:6.2f}%  {f}")
# Where the time goes, by the first rule that matches a frame anywhere on the stack.
rules = [
    ("JIT compiler", ["CompileBroker::"]),
    ("GC", ["G1", "GCTaskThread", "WorkerThread::run", "ConcurrentGCThread"]),
    ("ONNX Runtime (the run itself)", ["OrtSession.run", "libonnxruntime"]),
    ("PNG/JPEG encoding", ["ImageCodec.encode", "PngEncoder"]),
    ("disconnect watch (/proc/net/tcp)", ["DisconnectWatch", "TcpConnectionTable"]),
    ("request meters (Micrometer)", ["TaskMeters", "ModelMeters", "io/micrometer"]),
    ("JSON request body (Jackson)", ["readWithMessageConverters"]),
    ("writing the answer", ["writeWithMessageConverters", "HttpEntityMethodProcessor.handleReturnValue"]),
    ("async dispatch (second pass)", ["CoyoteAdapter.asyncDispatch", "AsyncContextImpl"]),
    ("body intake filter", ["BodyIntakeFilter.readAtOnce", "BufferedBodyRequest"]),
    ("generate: encode latents", ["GenerationCodec.encode", "LatentSampler"]),
    ("batcher", ["io/genserve/batching"]),
    ("Spring MVC + filters (first pass)", ["DispatcherServlet", "OncePerRequestFilter"]),
    ("Tomcat (HTTP parse, socket I/O)", ["org/apache/coyote", "org/apache/tomcat", "NioEndpoint"]),
]
cats = collections.Counter()
for line in open(sys.argv[1]):
    stack, _, count = line.rstrip().rpartition(" ")
    name = next((c for c, keys in rules if any(k in stack for k in keys)), "other")
    cats[name] += int(count)
table("by component (first matching rule, see bench/profile.sh)", cats, len(cats))
table("top frames by self samples", self_, 30)
table("top frames by total samples (on the stack)", total, 60)
EOF
[ -z "${COLLAPSED:-}" ] || cp "$work/collapsed.txt" "$COLLAPSED"
echo "wrote $OUT/$NAME.html and $OUT/$NAME.txt" >&2
