package dev.moeplatform.inference.embeddings;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The embedding model behind {@code POST /v1/embeddings} ({@code platform.inference.embeddings.*}, or e.g.
 * {@code PLATFORM_INFERENCE_EMBEDDINGS_MODEL_ID} from the environment).
 *
 * @param modelId the name clients pass as {@code model}
 * @param modelResource the ONNX model; by default all-MiniLM-L6-v2 from the LangChain4j model jar on the classpath
 * @param tokenizerResource the model's Hugging Face {@code tokenizer.json}; its truncation length is the most tokens
 *     one input may have
 * @param maxInputs the most inputs one request may carry (OpenAI allows 2048)
 * @param batchSize the most inputs run through the model in one pass; bounds the memory one pass needs
 * @param maxConcurrentBatches the most passes running at once across all requests
 * @param cacheDir where DJL unpacks its native library (tokenizer and NDArray engine) and where Spring AI would
 *     cache model files (it caches none: they are read from the classpath in place); empty means
 *     {@code java.io.tmpdir/moe-platform-embeddings}
 */
@Validated
@ConfigurationProperties("platform.inference.embeddings")
public record EmbeddingsProperties(
        @DefaultValue("all-minilm-l6-v2") @NotBlank String modelId,
        @DefaultValue("classpath:all-minilm-l6-v2.onnx") @NotBlank String modelResource,
        @DefaultValue("classpath:all-minilm-l6-v2-tokenizer.json") @NotBlank String tokenizerResource,
        @DefaultValue("2048") @Positive int maxInputs,
        @DefaultValue("64") @Positive int batchSize,
        @DefaultValue("2") @Positive int maxConcurrentBatches,
        @DefaultValue("") String cacheDir) {
}
