#!/usr/bin/env bash
# Debian packages the test suite uses on a fresh machine (idempotent: installs only what is missing):
#  - prometheus: the real Prometheus server that scrapes the service (PrometheusScrapeTest), and
#    promtool, which checks the chart's alert rules
#  - chromium, chromium-driver: the real browser the playground is tested in (PlaygroundBrowserTest)
#  - python3-requests: the Python client of examples/ (ExamplesTest runs it)
#  - jq: ReadmeJqTest compiles every jq filter of the README with it
#  - curl, file, python3 (and jq): ReadmeCommandsTest and ReadmeManagementCommandsTest run the
#    README's commands, which use them
#  - the training toolchain and data (training/deps.sh: python3-torch, python3-onnx, OpenBLAS,
#    Fashion-MNIST, photographs): TrainingSmokeTest runs training/smoke.sh and serves its exports
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for package in prometheus chromium chromium-driver python3-requests jq curl file python3; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
. training/deps.sh
