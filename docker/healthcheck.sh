#!/bin/bash
# The image's HEALTHCHECK, and the readiness check of the drift test: exit 0 when
# GET /actuator/health/readiness on the management port answers 200 (every model loaded and warmed up).
# Bash's /dev/tcp, because the JRE base image promises neither curl nor wget, and a second JVM
# every few seconds would take memory and CPU from the models.
set -eu
exec 3<>"/dev/tcp/127.0.0.1/${MANAGEMENT_SERVER_PORT:-8081}"
printf 'GET /actuator/health/readiness HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
IFS= read -r -t 5 status <&3
case "$status" in
  "HTTP/1."[01]" 200"*) exit 0 ;;
  *) echo "readiness: ${status:-no answer}" >&2; exit 1 ;;
esac
