package dev.moeplatform.e2e;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertOpenAiError;
import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** The four services as real processes on real PostgreSQL, Redis and Kafka: is everything wired to everything? */
@ExtendWith(RunningPlatform.class)
class PlatformWiringEndToEndTest {

    @Test
    void modelsThroughTheGatewayAreAnsweredByInferenceService(Platform platform) {
        Http.Response response = platform.gateway().get("/v1/models", "x-request-id", "e2e-models-1");

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.requestId()).isEqualTo("e2e-models-1");
        JsonNode models = response.json().get("data");
        assertThat(models).hasSize(1);
        assertThat(models.get(0).get("id").asString()).isEqualTo(RunningPlatform.INFERENCE_MODEL);
        assertThat(models.get(0).get("backend").asString()).isEqualTo("native");
    }

    @Test
    void modelApiErrorsFromInferenceReachTheClientUnchanged(Platform platform) {
        JsonNode error = assertOpenAiError(platform.gateway().get("/v1/models/not-a-model"), 404);

        assertThat(error.get("code").asString()).isEqualTo("model_not_found");
    }

    @Test
    void unknownRoutesGetTheErrorShapeOfTheirApi(Platform platform) {
        assertOpenAiError(platform.gateway().get("/v1/not-an-endpoint"), 404);
        assertProblem(platform.gateway().get("/admin/not-an-endpoint"), 404);
        assertProblem(platform.gateway().get("/not-an-endpoint", "Accept", "text/html"), 404);
    }

    @Test
    void platformApisAreRoutedToTheirServiceWithTheRequestId(Platform platform) {
        JsonNode rag = assertProblem(platform.gateway().get("/v1/rag/not-yet", "x-request-id", "e2e-rag-1"), 404);
        JsonNode billing = assertProblem(platform.gateway().get("/v1/billing/not-yet", "x-request-id", "e2e-bill-1"),
                404);

        // The problem is rendered by the downstream service, which saw the gateway's request id.
        assertThat(rag.get("instance").asString()).isEqualTo("/v1/rag/not-yet");
        assertThat(rag.get("requestId").asString()).isEqualTo("e2e-rag-1");
        assertThat(billing.get("requestId").asString()).isEqualTo("e2e-bill-1");
    }

    @Test
    void everyServiceReportsReadyAndExportsMetrics(Platform platform) {
        for (String service : new String[] {"gateway", "inference", "rag", "billing"}) {
            assertThat(platform.service(service).get("/actuator/health/readiness").status()).as(service).isEqualTo(200);
            assertThat(platform.service(service).get("/actuator/prometheus").body()).as(service)
                    .contains("application=\"" + service + "-service\"");
        }
    }
}
