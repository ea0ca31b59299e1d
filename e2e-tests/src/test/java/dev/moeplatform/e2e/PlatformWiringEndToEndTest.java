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
        assertThat(models).hasSize(4);
        assertThat(models.get(0).get("id").asString()).isEqualTo(RunningPlatform.INFERENCE_MODEL);
        assertThat(models.get(0).get("backend").asString()).isEqualTo("native");
        assertThat(models.get(0).get("context_length").asInt()).isEqualTo(128);
        assertThat(models.get(1).get("id").asString()).isEqualTo(RunningPlatform.VLLM_MODEL);
        assertThat(models.get(1).get("backend").asString()).isEqualTo("vllm");
        assertThat(models.get(2).get("id").asString()).isEqualTo(RunningPlatform.RAG_MODEL);
        assertThat(models.get(3).get("id").asString()).isEqualTo(RunningPlatform.FALLBACK_MODEL);
    }

    @Test
    void chatCompletionsThroughTheGatewayAreComputedByTheNativeEngine(Platform platform) {
        String request = """
                {"model":"%s","messages":[{"role":"user","content":"Hello"}],"max_tokens":5,"seed":1}
                """.formatted(RunningPlatform.INFERENCE_MODEL);

        Http.Response whole = platform.gateway().post("/v1/chat/completions", "application/json", request);
        Http.Response streamed = platform.gateway().post("/v1/chat/completions", "application/json",
                request.replace("\"seed\":1", "\"seed\":1,\"stream\":true"));

        assertThat(whole.status()).as("%s", whole).isEqualTo(200);
        assertThat(whole.json().get("object").asString()).isEqualTo("chat.completion");
        assertThat(whole.json().get("usage").get("completion_tokens").asInt()).isBetween(1, 5);
        assertThat(streamed.status()).as("%s", streamed).isEqualTo(200);
        assertThat(streamed.contentType()).startsWith("text/event-stream");
        assertThat(streamed.body()).startsWith("data: {").endsWith("data: [DONE]\n\n");
    }

    @Test
    void aModelWithoutAReachableBackendIsA503(Platform platform) {
        JsonNode error = assertOpenAiError(platform.gateway().post("/v1/completions", "application/json",
                "{\"model\":\"" + RunningPlatform.VLLM_MODEL + "\",\"prompt\":\"Hi\"}"), 503);

        assertThat(error.get("code").asString()).isEqualTo("backend_unavailable");
    }

    @Test
    void modelApiErrorsFromInferenceReachTheClientUnchanged(Platform platform) {
        JsonNode error = assertOpenAiError(platform.gateway().get("/v1/models/not-a-model"), 404);

        assertThat(error.get("code").asString()).isEqualTo("model_not_found");
    }

    @Test
    void unknownRoutesGetTheErrorShapeOfTheirApi(Platform platform) {
        assertOpenAiError(platform.gateway().get("/v1/not-an-endpoint"), 404);
        assertProblem(platform.admin().get("/admin/not-an-endpoint"), 404);
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
    void withoutAKeyNothingIsRoutedAndTheServicesRefuseUnsignedCalls(Platform platform) {
        assertThat(assertOpenAiError(platform.anonymousGateway().get("/v1/models"), 401).get("code").asString())
                .isEqualTo("missing_api_key");
        assertProblem(platform.anonymousGateway().get("/v1/billing/usage"), 401);
        // A service reached directly (not through the gateway) refuses a request without the signed identity.
        assertThat(assertProblem(platform.service("billing").get("/v1/billing/usage"), 401).get("detail").asString())
                .contains("x-platform-identity");
    }

    @Test
    void aModelCallThroughTheGatewayIsMeteredIntoTheTenantsLedger(Platform platform) throws Exception {
        // A tenant of its own, so that no other test's calls count here.
        String tenant = "metered-" + Long.toString(System.nanoTime(), 36);
        Http admin = platform.admin();
        assertThat(admin.post("/admin/tenants", "application/json", "{\"id\":\"" + tenant + "\",\"name\":\"m\"}")
                .status()).isEqualTo(201);
        assertThat(admin.post("/admin/tenants/" + tenant + "/teams", "application/json",
                "{\"id\":\"main\",\"name\":\"m\"}").status()).isEqualTo(201);
        String key = admin.post("/admin/keys", "application/json", "{\"tenant\":\"" + tenant
                + "\",\"team\":\"main\",\"name\":\"m\"}").json().get("key").asString();
        Http gateway = platform.anonymousGateway().withHeaders("Authorization", "Bearer " + key);
        long before = 0;
        String chat = "{\"model\":\"" + RunningPlatform.INFERENCE_MODEL + "\",\"max_tokens\":6,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Meter me\"}]}";
        JsonNode answer = gateway.post("/v1/chat/completions", "application/json", chat).json();
        gateway.post("/v1/chat/completions", "application/json", chat.replace("}]}", "}],\"stream\":true}"));

        JsonNode usage = null;
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            usage = gateway.get("/v1/billing/usage?groupBy=model").json();
            if (usage.get("totals").get("requests").asLong() >= before + 2) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(usage.get("tenant").asString()).isEqualTo(tenant);
        assertThat(usage.get("totals").get("requests").asLong()).isEqualTo(before + 2);
        assertThat(usage.get("totals").get("promptTokens").asLong())
                .isGreaterThanOrEqualTo(answer.get("usage").get("prompt_tokens").asLong() * 2);
    }

    @Test
    void billingPricesTheServedModelFromTheThroughputInferenceMeasured(Platform platform) {
        String chat = "{\"model\":\"" + RunningPlatform.INFERENCE_MODEL + "\",\"max_tokens\":16,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Measure me\"}]}";
        assertThat(platform.gateway().post("/v1/chat/completions", "application/json", chat).status()).isEqualTo(200);

        // From the next hour, after the price the tests run with (RunningPlatform).
        String nextHour = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).plusSeconds(3600)
                .toString();
        Http.Response price = platform.service("billing").post("/v1/billing/prices/self-hosted", "application/json",
                "{\"model\":\"" + RunningPlatform.INFERENCE_MODEL + "\",\"hardwareProfile\":\"cpu-server\","
                        + "\"utilisation\":0.5,\"effectiveFrom\":\"" + nextHour + "\"}", LedgerRun.asAdmin());
        assertThat(price.status()).as(price.body()).isEqualTo(201);
        JsonNode inputs = price.json().get("selfHosted");
        assertThat(inputs.get("throughputSource").asString()).startsWith("measured: ")
                .contains("/actuator/prometheus");
        assertThat(new java.math.BigDecimal(inputs.get("tokensPerSecond").asString())).isPositive();
        // $1.20/h ÷ (tokens/s × 3600 × 0.5) × 10^6, from the measured figure.
        java.math.BigDecimal expected = new java.math.BigDecimal("1.2").multiply(java.math.BigDecimal.valueOf(1_000_000))
                .divide(new java.math.BigDecimal(inputs.get("tokensPerSecond").asString())
                        .multiply(java.math.BigDecimal.valueOf(1800)), 6, java.math.RoundingMode.HALF_EVEN);
        assertThat(price.json().get("outputPerMillion").asString()).isEqualTo(expected.toPlainString());
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
