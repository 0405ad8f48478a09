package io.genserve.edge;

import jakarta.servlet.AsyncContext;

/** Ends asynchronous exchanges, the edge's and the API's alike. */
public final class AsyncContexts {
    private AsyncContexts() {}

    /**
     * Completes the exchange, unless the container has already: when the connection breaks,
     * Tomcat completes it itself and a second complete throws IllegalStateException, which
     * would only hide the cleanup that follows.
     */
    public static void complete(AsyncContext async) {
        try {
            async.complete();
        } catch (IllegalStateException e) {
            // completed already by the container (a broken connection)
        }
    }
}
