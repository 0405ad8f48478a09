# syntax=docker/dockerfile:1
#
# Genserve image (README.md, "Deploy").
#   CPU:   docker build -t genserve:0.1.0 .
#   CUDA:  docker build --build-arg VARIANT=cuda -t genserve:0.1.0-cuda .
#   Run:   docker run --rm -p 8080:8080 -p 8081:8081 -p 8082:8082 --read-only genserve:0.1.0
#          (8081: probes, metrics; 8082: the Open Inference Protocol over gRPC)
#
# The build step (docker/build.sh) and the command line (docker/entrypoint.sh, with the ENV below)
# are shared with DockerfileDriftTest, which copies what this file COPYs, runs the same build
# step, assembles the layers as the runtime stage does and starts the same entrypoint with the
# same environment on every test run: no Docker engine is needed to notice a drift.

# cpu: ONNX Runtime for CPUs on a JRE image. cuda: ONNX Runtime GPU (-Pcuda), which needs CUDA 12.x
# and cuDNN 9.x: NVIDIA's CUDA 12.8 + cuDNN 9 runtime image (Ubuntu 24.04), with the same JRE copied in.
ARG VARIANT=cpu
ARG JRE_IMAGE=eclipse-temurin:21-jre-noble
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

FROM maven:3.9-eclipse-temurin-21 AS build
ARG VARIANT
WORKDIR /src
COPY pom.xml ./
COPY src/main/ src/main/
COPY docker/build.sh docker/
RUN --mount=type=cache,target=/root/.m2 sh docker/build.sh "$VARIANT" target/layers

FROM ${JRE_IMAGE} AS jre

FROM ${JRE_IMAGE} AS base-cpu

FROM ${CUDA_IMAGE} AS base-cuda
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH=/opt/java/openjdk/bin:${PATH}
COPY --from=jre /opt/java/openjdk /opt/java/openjdk

FROM base-${VARIANT} AS runtime
# A fixed, numeric non-root user, so that Kubernetes' runAsNonRoot can check it (the chart uses 10001).
RUN groupadd --system --gid 10001 genserve \
 && useradd --system --uid 10001 --gid 10001 --home-dir /opt/genserve --no-create-home --shell /usr/sbin/nologin genserve
WORKDIR /opt/genserve
COPY --chmod=0555 docker/entrypoint.sh docker/healthcheck.sh bin/
# Least-changing layer first: a code change rebuilds only the last layer.
COPY --from=build /src/target/layers/dependencies/ app/
COPY --from=build /src/target/layers/spring-boot-loader/ app/
COPY --from=build /src/target/layers/snapshot-dependencies/ app/
COPY --from=build /src/target/layers/application/ app/
# The default models. To serve your own, mount a folder over it: -v "$PWD/my-models:/opt/genserve/models:ro".
COPY models/ models/
ENV GENSERVE_HOME=/opt/genserve \
    GENSERVE_MODEL_REPOSITORY=/opt/genserve/models \
    TMPDIR=/tmp
# Class data sharing (Spring Boot's "Class Data Sharing"): a training run starts the application
# context and exits once it is refreshed, archiving the classes it loaded into app/genserve.jsa;
# every start then maps them instead of loading and verifying them again (README, "Start-up").
# Same JRE and class path as the ENTRYPOINT: it is the ENTRYPOINT. What it leaves in TMPDIR goes.
RUN GENSERVE_CDS=train bin/entrypoint.sh && rm -rf "${TMPDIR:?}"/*
# The only place that must be writable; with --read-only it becomes an anonymous volume.
# It must not be noexec: ONNX Runtime loads its native library from there.
VOLUME /tmp
USER 10001:10001
# 8080: the API. 8081: the management port (probes, /actuator/prometheus), with its own threads.
# 8082: the Open Inference Protocol over gRPC (GENSERVE_GRPC_PORT).
EXPOSE 8080 8081 8082
# Readiness (on 8081): UP once every model is loaded and warmed up; start-period covers loading big models.
HEALTHCHECK --interval=10s --timeout=5s --start-period=180s --retries=3 CMD ["/opt/genserve/bin/healthcheck.sh"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/genserve/bin/entrypoint.sh"]
