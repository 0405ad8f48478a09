#!/usr/bin/env bash
# Fuzzing for longer than the test command does (10 s per fuzz test there), on demand:
#   bench/fuzz.sh                       every fuzz test, 10 minutes each
#   bench/fuzz.sh 3600 ImageDecodingFuzzTest
# Each *FuzzTest class runs in a JVM of its own (Jazzer fuzzes one test per JVM). A finding fails
# the run and is written next to the seeds (src/test/resources/io/genserve/<package>/<Class>Inputs/
# <method>/crash-...): commit it, and every later build replays it as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-600}
TESTS=${2:-*FuzzTest}
mvn -B -q test-compile
# jazzer.internal.arg.*: libFuzzer arguments that come after the test's own, so this time limit wins.
mvn -B surefire:test@fuzz -Dfuzz.tests="$TESTS" \
  -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time="$SECONDS_EACH"
