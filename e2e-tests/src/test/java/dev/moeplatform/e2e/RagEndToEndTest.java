package dev.moeplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.Http;
import java.time.Duration;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Grounded answers on the real services: a document ingested through the gateway is embedded by inference-service's
 * all-MiniLM-L6-v2, the answer's chat call goes from rag-service back through the gateway (to a vLLM-served model),
 * and every token of both lands in the tenant's billing ledger.
 */
@ExtendWith(RunningPlatform.class)
class RagEndToEndTest {

    private static final String DOCUMENT = """
            # Write-Ahead Logging

            In WAL mode, changes are appended to a separate write-ahead log file before they reach the database file.
            A checkpoint later moves the logged pages back into the database.

            ## Readers

            Readers do not block writers and a writer does not block readers.
            """;

    @Test
    void askThroughTheGatewayIsGroundedCitedAndMeteredToTheTenant(Platform platform) throws Exception {
        Http gateway = platform.gateway();
        Http.Response collection = gateway.post("/v1/rag/collections", "application/json",
                "{\"name\":\"e2e-" + System.nanoTime() + "\"}");
        assertThat(collection.status()).as(collection.body()).isEqualTo(201);
        String base = "/v1/rag/collections/" + collection.json().get("id").asString();
        Http.Response added = gateway.post(base + "/documents", "application/json",
                "{\"id\":\"wal\",\"mediaType\":\"text/markdown\",\"content\":"
                        + tools.jackson.databind.json.JsonMapper.builder().build().writeValueAsString(DOCUMENT) + "}");
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        int chunks = added.json().get("document").get("chunkCount").asInt();

        Http.Response found = gateway.post(base + "/search", "application/json",
                "{\"query\":\"Do readers block writers?\",\"topK\":1}");
        assertThat(found.status()).as(found.body()).isEqualTo(200);
        assertThat(found.json().get("passages").get(0).get("headingPath").asString())
                .isEqualTo("Write-Ahead Logging > Readers");

        int before = platform.vllm().requests().size();
        Http.Response asked = gateway.post(base + "/ask", "application/json",
                "{\"question\":\"Where do changes go first in WAL mode?\",\"topK\":2}");
        assertThat(asked.status()).as(asked.body()).isEqualTo(200);
        JsonNode answer = asked.json();
        assertThat(answer.get("answer").asString()).isEqualTo(VllmReplayServer.ANSWER);
        assertThat(answer.get("model").asString()).isEqualTo(RunningPlatform.RAG_MODEL);
        assertThat(answer.get("citations").get(0).get("documentId").asString()).isEqualTo("wal");
        assertThat(platform.vllm().requests()).hasSize(before + 1);
        assertThat(platform.vllm().requests().getLast().get("messages").toString())
                .contains("Where do changes go first in WAL mode?", "appended to a separate write-ahead log");
        long promptTokens = answer.get("usage").get("promptTokens").asLong();
        long completionTokens = answer.get("usage").get("completionTokens").asLong();

        // Billing's ledger has the answer's tokens and the embeddings (document chunks, two queries) for the tenant.
        JsonNode byModel = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            byModel = gateway.get("/v1/billing/usage?groupBy=model").json();
            JsonNode rag = row(byModel, RunningPlatform.RAG_MODEL);
            if (rag != null && rag.get("promptTokens").asLong() >= promptTokens) {
                break;
            }
            Thread.sleep(200);
        }
        JsonNode rag = row(byModel, RunningPlatform.RAG_MODEL);
        assertThat(rag).as("%s", byModel).isNotNull();
        assertThat(rag.get("requests").asLong()).isEqualTo(1);
        assertThat(rag.get("promptTokens").asLong()).isEqualTo(promptTokens);
        assertThat(rag.get("completionTokens").asLong()).isEqualTo(completionTokens);
        JsonNode embeddings = row(byModel, "all-minilm-l6-v2");
        assertThat(embeddings).as("%s", byModel).isNotNull();
        assertThat(embeddings.get("requests").asLong()).isGreaterThanOrEqualTo(3); // the chunks, two queries
        assertThat(embeddings.get("promptTokens").asLong()).isGreaterThanOrEqualTo(chunks);
    }

    @Test
    void aChunkLongerThanTheEmbeddingModelsWindowIsIngestedAndFound(Platform platform) {
        // One paragraph of about 180 cl100k tokens (one chunk), over 200 of all-MiniLM-L6-v2's: past its 128.
        String paragraph = "Checkpoints copy pages from the write-ahead log back into the database file. ".repeat(12);
        Http gateway = platform.gateway();
        String base = "/v1/rag/collections/" + gateway.post("/v1/rag/collections", "application/json",
                "{\"name\":\"long-" + System.nanoTime() + "\"}").json().get("id").asString();

        Http.Response added = gateway.post(base + "/documents", "application/json",
                "{\"id\":\"long\",\"mediaType\":\"text/markdown\",\"content\":\"# Checkpoints\\n\\n" + paragraph
                        + "\"}");

        assertThat(added.status()).as(added.body()).isEqualTo(201);
        Http.Response found = gateway.post(base + "/search", "application/json",
                "{\"query\":\"What moves pages back into the database file?\",\"mode\":\"vector\"}");
        assertThat(found.status()).as(found.body()).isEqualTo(200);
        assertThat(found.json().get("passages").get(0).get("documentId").asString()).isEqualTo("long");
    }

    private static JsonNode row(JsonNode report, String model) {
        return StreamSupport.stream(report.get("rows").spliterator(), false)
                .filter(r -> model.equals(r.path("group").path("model").asString(null))).findFirst().orElse(null);
    }
}
