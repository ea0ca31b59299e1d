package dev.moeplatform.inference;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertOpenAiError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.Http;
import dev.moeplatform.testing.ServiceContractCases;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

@ServingTest
class InferenceServiceApplicationTest extends ServiceContractCases {

    @Test
    void listsConfiguredModelsInOpenAiShape() {
        Http.Response response = http().get("/v1/models");

        assertThat(response.status()).isEqualTo(200);
        JsonNode list = response.json();
        assertThat(list.get("object").asString()).isEqualTo("list");
        assertThat(list.get("data")).hasSize(2);
        JsonNode first = list.get("data").get(0);
        assertThat(first.get("id").asString()).isEqualTo(ServingTest.MODEL);
        assertThat(first.get("object").asString()).isEqualTo("model");
        assertThat(first.get("owned_by").asString()).isEqualTo("self-hosted");
        assertThat(first.get("backend").asString()).isEqualTo("native");
        assertThat(first.get("context_length").asInt()).as("the model file's own").isEqualTo(256);
        assertThat(first.get("created").asLong()).isPositive();
        assertThat(list.get("data").get(1).get("backend").asString()).isEqualTo("vllm");
        assertThat(list.get("data").get(1).get("owned_by").asString()).isEqualTo("deepseek");
    }

    @Test
    void unknownModelIsOpenAisModelNotFound() {
        JsonNode error = assertOpenAiError(http().get("/v1/models/no-such-model"), 404);

        assertThat(error.get("code").asString()).isEqualTo("model_not_found");
        assertThat(error.get("param").asString()).isEqualTo("model");
        assertThat(error.get("message").asString()).contains("no-such-model");
        assertThat(http().get("/v1/models/deepseek-v2-lite").json().get("context_length").asInt()).isEqualTo(32768);
    }

    @Test
    void badRequestsUnderV1GetOpenAiErrors() {
        assertOpenAiError(http().get("/v1/no-such-endpoint"), 404);
        assertOpenAiError(http().post("/v1/models", "application/json", "{}"), 405);
        assertOpenAiError(http().post("/v1/models", "application/json", "x".repeat(3 * 1024 * 1024)), 413);
    }
}
