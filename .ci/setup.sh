#!/usr/bin/env bash
# Debian packages the test suite uses on a fresh machine:
#  - prometheus: the real Prometheus server that scrapes the service in the deploy checks
#  - python3-torch, python3-torchvision, python3-onnx, libopenblas0-pthread: the training smoke test
#    (training/smoke.sh) whose exported models the Java loader then serves
set -euo pipefail
need=()
for p in prometheus python3-torch python3-torchvision python3-onnx python3-opencv libopenblas0-pthread; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
