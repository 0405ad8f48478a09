package io.genserve.grpc;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The gRPC server, on its own port. Starts after the models have loaded and stops before they
 * close, like the web server: on shutdown it takes no new calls and waits up to the drain timeout
 * for calls in progress. Thread-safe.
 */
final class GrpcServer implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

    private final GrpcProperties properties;
    private final ServerServiceDefinition service;
    private final Duration drainTimeout;
    private Server server;

    GrpcServer(GrpcProperties properties, ServerServiceDefinition service, Duration drainTimeout) {
        this.properties = properties;
        this.service = service;
        this.drainTimeout = drainTimeout;
    }

    @Override
    public synchronized void start() {
        try {
            server = Grpc.newServerBuilderForPort(properties.port(), InsecureServerCredentials.create())
                    .maxInboundMessageSize((int) Math.min(
                            Integer.MAX_VALUE, properties.maxMessageSize().toBytes()))
                    .addService(service)
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("gRPC cannot listen on port " + properties.port(), e);
        }
        log.info("gRPC (Open Inference Protocol) listening on port {}", server.getPort());
    }

    /** The port it listens on (the one chosen when configured as 0). */
    synchronized int port() {
        return server == null ? -1 : server.getPort();
    }

    @Override
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.shutdown();
        try {
            if (!server.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("gRPC calls still running after {}; cancelling them", drainTimeout);
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        server = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return server != null;
    }

    /** With the web server: after the model catalog (DEFAULT_PHASE - 4096) starts, before it stops. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 2048;
    }
}
