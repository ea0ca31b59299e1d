package dev.moeplatform.rag.retrieval;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.rag.ModelServer;
import dev.moeplatform.rag.RagFixture;
import dev.moeplatform.rag.RagTest;
import dev.moeplatform.testing.Http;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Another tenant's collections, documents, chunks and jobs are unreachable through every endpoint. */
@RagTest
class TenantIsolationTest {

    @Autowired
    RagFixture rag;

    @Test
    void anotherTenantGetsNothingThroughAnyEndpoint() {
        String owner = RagFixture.newTenant();
        String intruder = RagFixture.newTenant();
        String collection = rag.collection(owner);
        assertThat(rag.addText(owner, collection, "secret", "text/plain",
                "The launch code of project falcon is stored in vault seven.").status()).isEqualTo(201);
        String base = "/v1/rag/collections/" + collection;
        Http as = rag.as(intruder);
        int calls = ModelServer.get().calls("/v1/chat/completions").size();

        assertProblem(as.get(base), 404);
        assertProblem(as.get(base + "/documents"), 404);
        assertProblem(as.get(base + "/documents/secret"), 404);
        assertProblem(as.get(base + "/documents/secret/chunks"), 404);
        assertProblem(as.get(base + "/jobs/" + java.util.UUID.randomUUID()), 404);
        assertProblem(as.post(base + "/search", "application/json", "{\"query\":\"launch code\"}"), 404);
        assertProblem(as.post(base + "/ask", "application/json", "{\"question\":\"What is the launch code?\"}"), 404);
        assertProblem(as.post(base + "/documents", "application/json", "{\"id\":\"x\",\"content\":\"planted\"}"), 404);
        assertProblem(rag.upload(intruder, collection, "x.txt", "text/plain",
                "planted".getBytes(StandardCharsets.UTF_8), null), 404);
        assertProblem(as.method("DELETE", base + "/documents/secret"), 404);
        assertProblem(as.method("DELETE", base), 404);
        assertThat(as.get("/v1/rag/collections").json().get("data")).isEmpty();

        // The intruder's own collection, searched for the owner's words, has none of the owner's chunks.
        String own = rag.collection(intruder);
        assertThat(rag.addText(intruder, own, "mine", "text/plain", "Vault seven holds office supplies.").status())
                .isEqualTo(201);
        for (String mode : new String[] {"hybrid", "vector", "keyword"}) {
            Http.Response found = as.post("/v1/rag/collections/" + own + "/search", "application/json",
                    "{\"query\":\"launch code of project falcon vault seven\",\"mode\":\"" + mode + "\",\"topK\":50}");
            assertThat(found.json().get("passages").valueStream().map(p -> p.get("documentId").asString()))
                    .as(mode).containsOnly("mine");
        }

        // Nothing of the owner's changed, and no model was asked anything on the intruder's behalf.
        assertThat(rag.as(owner).get(base + "/documents/secret").status()).isEqualTo(200);
        assertThat(rag.as(owner).get(base).json().get("chunkCount").asInt()).isEqualTo(1);
        assertThat(ModelServer.get().calls("/v1/chat/completions")).hasSize(calls);
    }

    @Test
    void requestsWithoutAValidIdentityAreRefused() {
        Http anonymous = new Http(rag.baseUrl());
        assertProblem(anonymous.get("/v1/rag/collections"), 401);
        assertProblem(anonymous.get("/v1/rag/collections", "x-platform-identity", "v1.forged"), 401);
    }
}
