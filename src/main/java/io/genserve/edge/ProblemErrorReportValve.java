package io.genserve.edge;

import java.io.IOException;
import java.util.Map;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * The servlet container's last word on an error that no application code answered — a URI it
 * refuses to map ({@code ..%2F}, {@code %00}, {@code %ZZ}), a request line or header it rejects, an
 * error before any servlet ran — as problem+json instead of Tomcat's HTML page. Installed on
 * every host by {@link TomcatEdgeCustomizer}. Says only what the status means and, for a bad
 * URI, a short escaped excerpt of it: never the container's own text, version or a stack trace.
 */
public final class ProblemErrorReportValve extends ErrorReportValve {
    public ProblemErrorReportValve() {
        setShowReport(false);
        setShowServerInfo(false);
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        String uri = request.getRequestURI();
        byte[] body = ProblemResponses.body(
                status,
                StatusProblems.type(status),
                StatusProblems.detail(status, uri),
                null,
                status == 413 ? Map.of("limit", "server.max-http-request-header-size") : null);
        try {
            response.setContentType(ProblemResponses.MEDIA_TYPE);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response cannot take a body: nothing more to say
        }
    }
}
