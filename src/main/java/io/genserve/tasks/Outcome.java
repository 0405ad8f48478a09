package io.genserve.tasks;

import io.genserve.error.BadInputException;
import io.genserve.error.DeadlineExceededException;
import io.genserve.error.MemoryExhaustedException;
import io.genserve.error.OverloadedException;
import io.genserve.error.TooLargeException;
import io.genserve.error.UnknownModelException;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/** How a request ended, as the requests counter tags it. */
enum Outcome {
    SUCCESS,
    CLIENT_ERROR,
    REJECTED,
    TIMEOUT,
    CANCELLED,
    FAILURE;

    static Outcome of(Throwable error) {
        Throwable e = unwrap(error);
        if (e == null) {
            return SUCCESS;
        }
        if (e instanceof BadInputException || e instanceof UnknownModelException || e instanceof TooLargeException) {
            return CLIENT_ERROR;
        }
        if (e instanceof OverloadedException || e instanceof MemoryExhaustedException) {
            return REJECTED;
        }
        if (e instanceof DeadlineExceededException) {
            return TIMEOUT;
        }
        return e instanceof CancellationException ? CANCELLED : FAILURE;
    }

    static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
