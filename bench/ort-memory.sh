#!/usr/bin/env bash
# Resident memory of the service with a given ONNX Runtime version after serving the
# fully convolutional models of a repository at 16 image sizes, twice (onnxruntime issue 29538).
#   bench/ort-memory.sh 1.23.2 models
#   bench/ort-memory.sh 1.29.0 models
# Needs Debian's python3-opencv (test images) and curl. Prints RSS after start and after each round.
set -euo pipefail
V=${1:?ORT version}; REPO=$(realpath "${2:-models}"); PORT=${PORT:-8190}
cd "$(dirname "$0")/.."
IMG=$(mktemp -d)
/usr/bin/python3 - "$IMG" <<'PY'
import sys, cv2, numpy as np
out = sys.argv[1]
src = cv2.imread('/usr/share/doc/opencv-doc/examples/data/fruits.jpg')
for s in [128, 136, 200, 256, 264, 301, 320, 384, 400, 448, 512, 520, 600, 640, 704, 768]:
    h = s * 3 // 4
    cv2.imwrite(f'{out}/img{s}.png', cv2.resize(src, (s, h)))
    m = np.zeros((h, s), np.uint8); m[h // 3:h // 2, s // 3:s // 2] = 255
    cv2.imwrite(f'{out}/mask{s}.png', m)
PY
mvn -q -B package -DskipTests -Dspotless.check.skip=true -Donnxruntime.version="$V"
java -jar target/genserve-0.1.0-SNAPSHOT.jar --genserve.model-repository="$REPO" --server.port=$PORT --management.server.port=$((PORT + 1)) --logging.level.root=WARN >"$IMG/service.log" 2>&1 &
P=$!
trap 'kill $P 2>/dev/null; rm -rf "$IMG"' EXIT
until curl -sf localhost:$((PORT + 1))/actuator/health/readiness >/dev/null; do sleep 1; done
rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' /proc/$P/status; }
echo "ORT $V ready: RSS $(rss) MiB"
MODELS=$(curl -s localhost:$PORT/models | /usr/bin/python3 -c 'import json,sys; print(" ".join(m["name"]+":"+m["task"] for m in json.load(sys.stdin)["models"] if m.get("task") != "generate"))')
for round in 1 2; do
  for s in 128 136 200 256 264 301 320 384 400 448 512 520 600 640 704 768; do
    for m in $MODELS; do
      case ${m#*:} in
        inpaint) curl -s -o /dev/null -F image=@"$IMG/img$s.png" -F mask=@"$IMG/mask$s.png" -F model="${m%%:*}" localhost:$PORT/inpaint ;;
        *) curl -s -o /dev/null -F image=@"$IMG/img$s.png" -F style="${m%%:*}" localhost:$PORT/style-transfer ;;
      esac
    done
  done
  echo "ORT $V after round $round (16 sizes x image models): RSS $(rss) MiB"
done
