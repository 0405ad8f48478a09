package io.genserve.edge;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.AbstractProtocol;
import org.apache.tomcat.util.descriptor.web.ErrorPage;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * What the servlet container itself answers: problem+json error reports on every host (in place
 * of the HTML {@link ErrorReportValve} Spring Boot installs), and for the management port a small
 * pool of request threads of its own and no error page (the valve answers its errors); for the API
 * port, request threads at a lower CPU priority than inference ({@link RequestThreads}). Applied
 * after Spring Boot's own customizers, so these settings win.
 */
public final class TomcatEdgeCustomizer
        implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered, DisposableBean {
    private final int maxThreads;
    private final boolean valveAnswersErrors;
    private final int requestThreadNice;
    /** Pools this customizer made: Tomcat shuts down only the executors it made itself. */
    private final List<ThreadPoolExecutor> pools = new CopyOnWriteArrayList<>();

    /**
     * @param maxThreads request threads of this server, or 0 to leave server.tomcat.threads as configured
     * @param valveAnswersErrors drop the server's error pages, so that the problem+json valve answers
     *     every error not answered by the application (the management port, whose error page would
     *     answer in Spring Boot's own JSON shape)
     * @param requestThreadNice the nice value of the request threads (sizes as server.tomcat.threads
     *     says), or 0 to leave them to Tomcat at normal priority
     */
    public TomcatEdgeCustomizer(int maxThreads, boolean valveAnswersErrors, int requestThreadNice) {
        this.maxThreads = maxThreads;
        this.valveAnswersErrors = valveAnswersErrors;
        this.requestThreadNice = requestThreadNice;
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                for (Valve v : host.getPipeline().getValves()) {
                    if (v.getClass() == ErrorReportValve.class) {
                        host.getPipeline().removeValve(v);
                    }
                }
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            }
            if (valveAnswersErrors) {
                for (ErrorPage page : context.findErrorPages()) {
                    context.removeErrorPage(page);
                }
            }
        });
        if (maxThreads > 0) {
            factory.addConnectorCustomizers(connector -> {
                if (connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol) {
                    protocol.setMaxThreads(maxThreads);
                    protocol.setMinSpareThreads(Math.min(maxThreads, 2));
                }
            });
        }
        if (requestThreadNice > 0) {
            factory.addConnectorCustomizers(connector -> {
                // An executor already set is someone's choice (virtual threads): left alone.
                if (connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol
                        && protocol.getExecutor() == null) {
                    ThreadPoolExecutor pool = RequestThreads.pool(
                            "http-api-exec-",
                            protocol.getMinSpareThreads(),
                            protocol.getMaxThreads(),
                            requestThreadNice);
                    pools.add(pool);
                    protocol.setExecutor(pool);
                }
            });
        }
    }

    @Override
    public void destroy() {
        pools.forEach(ThreadPoolExecutor::shutdownNow);
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
