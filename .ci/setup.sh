#!/usr/bin/env bash
# Debian packages the test suite uses on a fresh machine (idempotent: installs only what is missing):
#  - prometheus: the real Prometheus server that scrapes the service (PrometheusScrapeTest)
#  - the training toolchain and data (training/deps.sh: python3-torch, python3-onnx, OpenBLAS,
#    Fashion-MNIST, photographs): TrainingSmokeTest runs training/smoke.sh and serves its exports
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg -s prometheus >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus
fi
. training/deps.sh
