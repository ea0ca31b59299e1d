package dev.moeplatform.rag.models;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.rag.RagProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.ai.document.Document;
import org.springframework.ai.document.MetadataMode;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * Spring AI's {@link EmbeddingModel} over the gateway's {@code POST /v1/embeddings}, called on behalf of the
 * {@linkplain Callers bound caller} in batches of {@code platform.rag.embedding-batch-size}. The vector store
 * embeds queries through it; ingestion embeds chunks through it before it writes anything.
 */
@Component
public class GatewayEmbeddingModel implements EmbeddingModel {

    /** all-MiniLM-L6-v2's, and the chunk table's, vector size. */
    public static final int DIMENSIONS = 384;

    private final RestClient http;
    private final GatewayCredentials credentials;
    private final String model;
    private final int batchSize;

    GatewayEmbeddingModel(GatewayCredentials credentials, RagProperties properties, ModelCalls calls) {
        this.credentials = credentials;
        this.model = properties.embeddingModel();
        this.batchSize = properties.embeddingBatchSize();
        this.http = calls.client(credentials.gatewayUrl());
    }

    @Override
    public EmbeddingResponse call(EmbeddingRequest request) {
        List<String> inputs = request.getInstructions();
        List<Embedding> embeddings = new ArrayList<>(inputs.size());
        for (int from = 0; from < inputs.size(); from += batchSize) {
            List<String> batch = inputs.subList(from, Math.min(inputs.size(), from + batchSize));
            JsonNode body = ModelCalls.send("embeddings", () -> http.post().uri("/v1/embeddings")
                    .contentType(MediaType.APPLICATION_JSON)
                    .header(HttpHeaders.AUTHORIZATION, "Bearer on-behalf-of")
                    .header(IdentityHeader.NAME, credentials.onBehalfOf(Callers.current()))
                    // A chunk longer than the embedding model's window (all-MiniLM-L6-v2: 128 of its tokens, fewer
                    // than a 200-token cl100k chunk may need) is embedded from its first tokens, as
                    // sentence-transformers does; the keyword index still has all of its text.
                    .body(Map.of("model", model, "input", batch, "truncate", true))
                    .retrieve().body(JsonNode.class));
            JsonNode data = body == null ? null : body.get("data");
            if (data == null || data.size() != batch.size()) {
                throw ModelCalls.badGateway("embeddings", "the answer has " + (data == null ? 0 : data.size())
                        + " embeddings for " + batch.size() + " inputs");
            }
            for (JsonNode item : data) {
                JsonNode vector = item.get("embedding");
                if (vector == null || vector.size() != DIMENSIONS) {
                    throw ModelCalls.badGateway("embeddings", "model '" + model + "' returned vectors of "
                            + (vector == null ? 0 : vector.size()) + " dimensions; the chunk table holds " + DIMENSIONS);
                }
                float[] values = new float[DIMENSIONS];
                for (int i = 0; i < DIMENSIONS; i++) {
                    values[i] = (float) vector.get(i).asDouble();
                }
                embeddings.add(new Embedding(values, from + item.get("index").asInt()));
            }
        }
        embeddings.sort(java.util.Comparator.comparingInt(Embedding::getIndex));
        return new EmbeddingResponse(embeddings);
    }

    @Override
    public float[] embed(Document document) {
        return embed(document.getFormattedContent(MetadataMode.EMBED));
    }

    @Override
    public int dimensions() {
        return DIMENSIONS;
    }
}
