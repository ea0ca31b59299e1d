package dev.moeplatform.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The model this jar carries: a tiny synthetic qwen2moe model in Q8_0 that the build writes, so that the platform
 * runs end to end with no model file configured. Its weights are random: it produces fluent-looking nonsense, by
 * design. Real GGUF files produce real text.
 */
public final class BundledModels {

    public static final String DEFAULT_ID = "synthetic-qwen2moe-tiny";
    private static final String RESOURCE = "/models/synthetic-qwen2moe-tiny-q8_0.gguf";

    private BundledModels() {
    }

    /** Copies the bundled model to a temporary file (the engine memory-maps files) and returns its path. */
    public static Path extractDefault() {
        try (InputStream in = BundledModels.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new EngineException("this moe-engine jar has no bundled model " + RESOURCE);
            }
            Path file = Files.createTempFile("synthetic-qwen2moe-tiny-", ".gguf");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the bundled model", e);
        }
    }
}
