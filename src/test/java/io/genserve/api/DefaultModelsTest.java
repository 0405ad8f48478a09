package io.genserve.api;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's run command serves the bundled repository: every model in ./models loads and answers. */
class DefaultModelsTest {
    @Test
    void everyBundledModelLoadsAndServesARequest() throws Exception {
        ServeEveryModel.check(Path.of("models"));
    }
}
