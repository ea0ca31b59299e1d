package dev.moeplatform.inference.embeddings;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** OpenAI's {@code POST /v1/embeddings}, field for field. */
@RestController
@Tag(name = "Embeddings")
public class EmbeddingsController {

    private final EmbeddingModels models;
    private final int maxInputs;

    public EmbeddingsController(EmbeddingModels models, EmbeddingsProperties properties) {
        this.models = models;
        this.maxInputs = properties.maxInputs();
    }

    @PostMapping("/v1/embeddings")
    @Operation(summary = "Create embeddings", description = "OpenAI's request: {model, input (a string or an array of "
            + "strings; token ids are not supported), encoding_format (\"float\", the default, or \"base64\": "
            + "little-endian float32), dimensions (only the model's own), user}, and truncate (true: an input over the "
            + "model's token limit is embedded from its first tokens instead of refused). Embeddings have unit length.")
    public EmbeddingList create(@RequestBody JsonNode body) {
        EmbeddingsRequest request = EmbeddingsRequest.from(body, maxInputs);
        models.require(request.model());
        if (request.dimensions() != null && request.dimensions() != models.dimensions()) {
            throw EmbeddingsRequest.invalid("dimensions", "Model '" + request.model() + "' creates "
                    + models.dimensions() + "-dimensional embeddings and cannot shorten them; omit 'dimensions'.");
        }
        int[] tokens = models.countTokens(request.input(), request.truncate());
        List<float[]> vectors = models.embed(request.input());

        List<EmbeddingData> data = new ArrayList<>(vectors.size());
        int promptTokens = 0;
        for (int i = 0; i < vectors.size(); i++) {
            data.add(new EmbeddingData("embedding", i, request.base64() ? base64(vectors.get(i)) : vectors.get(i)));
            promptTokens += tokens[i];
        }
        return new EmbeddingList("list", data, request.model(), new Usage(promptTokens, promptTokens));
    }

    /** As OpenAI encodes them: the float32 values, little-endian, one after another, in standard base64. */
    static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(Float.BYTES * vector.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    public record EmbeddingList(String object, List<EmbeddingData> data, String model, Usage usage) {
    }

    /** @param embedding a {@code float[]}, or its base64 string */
    public record EmbeddingData(String object, int index, Object embedding) {
    }

    public record Usage(@JsonProperty("prompt_tokens") int promptTokens, @JsonProperty("total_tokens") int totalTokens) {
    }
}
