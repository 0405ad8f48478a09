#!/bin/sh
# The image's build step (Dockerfile, stage "build"), and the one the drift test runs
# (src/test/java/io/genserve/deploy/DockerfileDriftTest.java): change it here, both follow.
#
#   sh docker/build.sh cpu|cuda DESTINATION
#
# Packages the Spring Boot jar (-Pcuda swaps in ONNX Runtime GPU) and extracts it into one folder
# per layer (dependencies, spring-boot-loader, snapshot-dependencies, application), launcher
# included, so that each layer becomes one image layer and a code change rebuilds only the last.
# Tests are not compiled here: the test suite runs them (mvn verify) before an image is built.
set -eu
variant="${1:?usage: build.sh cpu|cuda DESTINATION}"
destination="${2:?usage: build.sh cpu|cuda DESTINATION}"
case "$variant" in
  cpu) profile= ;;
  cuda) profile=-Pcuda ;;
  *) echo "build.sh: variant must be cpu or cuda, not '$variant'" >&2; exit 2 ;;
esac
mvn -B -ntp -Dmaven.test.skip=true $profile package
java -Djarmode=tools -jar target/genserve-*.jar extract --layers --launcher --destination "$destination"
