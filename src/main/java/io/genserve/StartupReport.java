package io.genserve;

import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;

/**
 * Says where the start-up went, once the service is ready (readiness turns UP right after): from
 * the JVM's start to {@code main}, and from {@code main} to ready. The Spring context's parts
 * have their own "start-up:" lines (the ONNX Runtime environment, the models' loads); bench/startup.sh
 * prints them all. Registered in {@code main}, before the context exists, so that it is not a bean
 * whose own creation it would time.
 */
final class StartupReport implements ApplicationListener<ApplicationReadyEvent> {
    private static final Logger log = LoggerFactory.getLogger(StartupReport.class);

    private final long mainMillis;

    /** @param mainMillis when {@code main} was entered ({@link System#currentTimeMillis}) */
    StartupReport(long mainMillis) {
        this.mainMillis = mainMillis;
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        long now = System.currentTimeMillis();
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        log.info(
                "start-up: ready {} ms after the JVM started: JVM start to main {} ms, main to ready {} ms",
                now - jvmStart,
                mainMillis - jvmStart,
                now - mainMillis);
    }
}
