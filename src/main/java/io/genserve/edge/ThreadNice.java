package io.genserve.edge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the scheduling priority (raises the nice value) of the calling thread alone, on Linux.
 * Java has no call for it (thread priorities are ignored by HotSpot on Linux without root) and
 * the project carries no native-access library, so this asks the system's {@code renice} for the
 * thread's id, once per thread: a few milliseconds at a thread's start, nothing afterwards.
 * Raising one's own nice value needs no privilege. Where it cannot be done (no {@code renice},
 * not Linux) it says so once in the log and the thread runs at normal priority.
 */
final class ThreadNice {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadNice.class);
    private static final Path THREAD_SELF = Path.of("/proc/thread-self");
    private static volatile boolean warned;

    private ThreadNice() {}

    /** Sets the calling thread's nice value to {@code nice} (0..19); false when that failed. */
    static boolean lowerCurrentThread(int nice) {
        try {
            String tid = Files.readSymbolicLink(THREAD_SELF).getFileName().toString(); // "<pid>/task/<tid>"
            Process p = new ProcessBuilder("renice", "-n", Integer.toString(nice), "-p", tid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 && current() == nice) {
                return true;
            }
            p.destroyForcibly();
            warnOnce("renice -n " + nice + " -p " + tid + " did not change the thread's nice value");
        } catch (IOException | UnsupportedOperationException e) {
            warnOnce(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** The calling thread's nice value, from /proc/thread-self/stat (its 19th field). */
    static int current() throws IOException {
        String stat = Files.readString(THREAD_SELF.resolve("stat"));
        // The second field (the thread's name) may hold spaces and parentheses: count after its last ')'.
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(after[16]);
    }

    private static void warnOnce(String why) {
        if (!warned) {
            warned = true;
            LOG.warn(
                    "API request threads run at normal priority: lowering their priority failed ({}); under a flood the"
                            + " refusals compete with inference for the CPU (genserve.http.request-thread-nice)",
                    why);
        }
    }
}
