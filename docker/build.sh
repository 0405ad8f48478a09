#!/bin/sh
# The image's build step (Dockerfile, stage "build"), and the one the drift test runs
# (src/test/java/io/genserve/deploy/DockerfileDriftTest.java): change it here, both follow.
#
#   sh docker/build.sh cpu|cuda DESTINATION
#
# Packages the Spring Boot jar (-Pcuda swaps in ONNX Runtime GPU) and extracts it into one folder
# per layer (dependencies, spring-boot-loader, snapshot-dependencies, application), so that each
# layer becomes one image layer and a code change rebuilds only the last. Extracted as plain jars
# (application/genserve.jar, whose manifest lists lib/*.jar) rather than with Spring Boot's launcher:
# class data sharing archives classes from jars on the class path only (Spring Boot's "Class Data
# Sharing"; the runtime stage records the archive).
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
java -Djarmode=tools -jar target/genserve-*.jar extract --layers --destination "$destination" --application-filename genserve.jar
