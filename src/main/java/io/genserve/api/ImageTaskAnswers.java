package io.genserve.api;

import io.genserve.imaging.ImageFormat;
import io.genserve.tasks.ImageResult;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

/**
 * Answers a task that returns one image ({@code /inpaint}, {@code /style-transfer}, {@code /upscale},
 * in their multipart and JSON forms alike): the image in the format the request asked for (its
 * {@code format} field, else its Accept header), or JSON.
 */
@Component
final class ImageTaskAnswers {
    private final ImageResponses responses;
    private final AsyncAnswers answers;

    ImageTaskAnswers(ImageResponses responses, AsyncAnswers answers) {
        this.responses = responses;
        this.answers = answers;
    }

    /**
     * @param task starts the task; called only once the answer's format is known to be one we write,
     *     so that a request refused for its format queues no work
     */
    void answer(
            Supplier<CompletableFuture<ImageResult>> task,
            String format,
            HttpServletRequest request,
            HttpServletResponse response)
            throws IOException {
        String accept = request.getHeader(HttpHeaders.ACCEPT);
        ImageFormat f = ImageResponses.format(format, accept);
        boolean json = ImageResponses.wantsJson(accept);
        answers.answer(request, response, task.get(), result -> responses.image(result, f, json));
    }
}
