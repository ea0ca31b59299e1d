package dev.moeplatform.inference.embeddings;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.document.MetadataMode;
import org.springframework.ai.transformers.TransformersEmbeddingModel;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.stereotype.Component;

/**
 * The embedding models this service serves: one, all-MiniLM-L6-v2 through Spring AI's ONNX embedding model, loaded
 * once at start-up from the classpath. Safe for concurrent use: the ONNX session and the tokenizers are, and at
 * most {@code max-concurrent-batches} passes run at once.
 */
@Component
public class EmbeddingModels implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddingModels.class);

    /** What DJL uses when the tokenizer file sets no truncation length (its {@code modelMaxLength} default). */
    private static final int DJL_DEFAULT_MAX_LENGTH = 512;

    private final String id;
    private final TransformersEmbeddingModel model;
    /** The model's own tokenizer with truncation and padding off: counts what the model would see. */
    private final HuggingFaceTokenizer counter;
    private final int maxTokens;
    private final int dimensions;
    private final int batchSize;
    private final Semaphore passes;

    EmbeddingModels(EmbeddingsProperties properties, ObjectProvider<ObservationRegistry> observations) throws Exception {
        long started = System.nanoTime();
        Path cacheDir = properties.cacheDir().isBlank()
                ? Path.of(System.getProperty("java.io.tmpdir"), "moe-platform-embeddings") : Path.of(properties.cacheDir());
        configureDjl(cacheDir.resolve("djl"));
        this.id = properties.modelId();
        this.batchSize = properties.batchSize();
        this.passes = new Semaphore(properties.maxConcurrentBatches(), true);
        try (InputStream json = new DefaultResourceLoader().getResource(properties.tokenizerResource()).getInputStream()) {
            this.counter = HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "false", "padding", "false"));
        }
        // The model truncates where the tokenizer file says (DJL reads it before truncation is switched off above).
        this.maxTokens = counter.getMaxLength() > 0 ? counter.getMaxLength() : DJL_DEFAULT_MAX_LENGTH;
        this.model = new TransformersEmbeddingModel(MetadataMode.NONE,
                observations.getIfAvailable(() -> ObservationRegistry.NOOP));
        model.setModelResource(properties.modelResource());
        model.setTokenizerResource(properties.tokenizerResource());
        model.setDisableCaching(true); // read the classpath resources in place: nothing is copied to disk
        model.setResourceCacheDirectory(cacheDir.resolve("spring-ai").toString()); // else it makes a new temp dir
        model.afterPropertiesSet();
        this.dimensions = model.dimensions(); // one embedding, which also warms the session up
        log.info("Embedding model '{}' loaded in {} ms: {} dimensions, at most {} tokens per input", id,
                (System.nanoTime() - started) / 1_000_000, dimensions, maxTokens);
    }

    /**
     * DJL reads its settings from system properties or the environment; an operator's own values win. Offline: never
     * download (native libraries or model files) nor probe cloud metadata. Rust: the NDArray engine whose native
     * library ships in the tokenizers jar.
     */
    private static void configureDjl(Path cacheDir) {
        setIfAbsent("DJL_OFFLINE", "ai.djl.offline", "true");
        setIfAbsent("DJL_DEFAULT_ENGINE", "ai.djl.default_engine", "Rust");
        setIfAbsent("DJL_CACHE_DIR", "DJL_CACHE_DIR", cacheDir.toString());
    }

    private static void setIfAbsent(String environmentVariable, String property, String value) {
        if (System.getenv(environmentVariable) == null && System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /** The ids clients pass as {@code model}; for {@code GET /v1/models}. */
    public List<String> ids() {
        return List.of(id);
    }

    public int dimensions() {
        return dimensions;
    }

    /** The most tokens, special tokens included, that one input may have. */
    public int maxTokens() {
        return maxTokens;
    }

    /** @throws ApiException 404 {@code model_not_found} */
    void require(String modelId) {
        if (!id.equals(modelId)) {
            throw new ApiException(new ApiError(404, "The model '" + modelId + "' does not exist or does not create "
                    + "embeddings; embedding models: " + String.join(", ", ids()) + ".", "model", "model_not_found"));
        }
    }

    /**
     * @param truncate an input over {@link #maxTokens()} is counted at the limit, where the model cuts it, rather
     *     than refused
     * @return each input's token count as the model sees it ({@code [CLS]} and {@code [SEP]} included)
     * @throws ApiException 400 naming {@code input} when an input has more than {@link #maxTokens()} tokens and
     *     {@code truncate} is false
     */
    int[] countTokens(List<String> inputs, boolean truncate) {
        Encoding[] encodings = counter.batchEncode(inputs);
        int[] counts = new int[encodings.length];
        for (int i = 0; i < encodings.length; i++) {
            counts[i] = encodings[i].getIds().length;
            if (counts[i] > maxTokens) {
                if (truncate) {
                    counts[i] = maxTokens;
                    continue;
                }
                String which = inputs.size() == 1 ? "The input" : "input[" + i + "]";
                throw new ApiException(new ApiError(400, which + " has " + counts[i] + " tokens; model '" + id
                        + "' accepts at most " + maxTokens + " tokens per input. Shorten or split it, or send "
                        + "\"truncate\": true to embed its first " + maxTokens + " tokens.", "input",
                        "context_length_exceeded"));
            }
        }
        return counts;
    }

    /** @return one L2-normalised embedding per input, in input order */
    List<float[]> embed(List<String> inputs) {
        List<float[]> embeddings = new ArrayList<>(inputs.size());
        for (int from = 0; from < inputs.size(); from += batchSize) {
            List<String> batch = inputs.subList(from, Math.min(inputs.size(), from + batchSize));
            passes.acquireUninterruptibly();
            try {
                model.embed(batch).forEach(embedding -> embeddings.add(normalise(embedding)));
            } finally {
                passes.release();
            }
        }
        return embeddings;
    }

    /**
     * Spring AI's pipeline ends at mean pooling; the sentence-transformers pipeline of all-MiniLM-L6-v2 ends with a
     * {@code Normalize} layer, so its embeddings have unit length (as OpenAI's do) and cosine is a dot product.
     */
    private static float[] normalise(float[] vector) {
        double sum = 0;
        for (float x : vector) {
            sum += (double) x * x;
        }
        double norm = Math.sqrt(sum);
        if (norm > 0) {
            for (int i = 0; i < vector.length; i++) {
                vector[i] = (float) (vector[i] / norm);
            }
        }
        return vector;
    }

    @Override
    public void close() throws Exception {
        try (counter) {
            model.close();
        }
    }
}
