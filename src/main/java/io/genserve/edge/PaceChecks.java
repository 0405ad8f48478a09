package io.genserve.edge;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the pace of every body being read ({@link BodyIntake}) in one tick of one timer thread,
 * and reads the kernel's unread bytes ({@link UnreadBytes}) at most once a tick, for all the
 * refused bodies that went quiet in it. Why one tick rather than a timer task per body: Linux
 * lists every connection of the network namespace in one table, and reading it took 12 to 20 ms
 * here once a few thousand were listed (most of them TIME_WAIT, after a flood); asked once per
 * lingering body, the 200 slow clients of the soak kept the timer thread busy reading it for 0.35
 * of the one CPU the service had, beside a 512-connection flood whose successes lacked that CPU
 * (bench/soak.sh, /generate). A snapshot taken in the tick that acts on it is as fresh as a read
 * per body: the answer and close follow it within the tick.
 *
 * <p>The thread starts with the service, at normal CPU priority: made by the first request
 * thread that needed it, it would inherit that thread's lower one (genserve.http.request-thread-nice).
 * Thread-safe.
 */
public final class PaceChecks implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PaceChecks.class);

    private final Set<BodyIntake> intakes = ConcurrentHashMap.newKeySet();
    private final UnreadBytes unread;
    private final ScheduledThreadPoolExecutor timer;

    /**
     * @param period how often every body's pace is checked; 0 starts no timer (tests tick by hand)
     */
    public PaceChecks(UnreadBytes unread, Duration period) {
        this.unread = unread;
        if (period.isZero()) {
            timer = null;
            return;
        }
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "genserve-body-intake");
            t.setDaemon(true);
            return t;
        });
        timer.prestartAllCoreThreads();
        timer.scheduleWithFixedDelay(this::tick, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    void add(BodyIntake intake) {
        intakes.add(intake);
    }

    void remove(BodyIntake intake) {
        intakes.remove(intake);
    }

    /** Bodies being read or lingered on. */
    int size() {
        return intakes.size();
    }

    /** One check of every body; package-private so that tests can tick by hand. */
    void tick() {
        UnreadBytes.Snapshot once = new OncePerTick();
        for (BodyIntake intake : intakes) {
            try {
                intake.checkPace(once);
            } catch (RuntimeException e) {
                // One body's failure must not end the checks of all the others (a timer task that throws is not run
                // again).
                log.warn("pace check failed", e);
            }
        }
    }

    /** The kernel's table, read when a tick first needs it and kept for the rest of that tick. */
    private final class OncePerTick implements UnreadBytes.Snapshot {
        private UnreadBytes.Snapshot taken;

        @Override
        public long on(int localPort, int remotePort) {
            if (taken == null) {
                taken = unread.snapshot();
            }
            return taken.on(localPort, remotePort);
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
