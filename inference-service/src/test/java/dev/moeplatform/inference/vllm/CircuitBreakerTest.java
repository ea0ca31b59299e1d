package dev.moeplatform.inference.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.inference.TestClient;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** The breaker of the flaky vLLM server: window 4, at least 4 calls, 50 % failures, 2 s open, 1 trial call. */
class CircuitBreakerTest extends VllmServingTest {

    private static final String CHAT = """
            {"model":"flaky-vllm","messages":[{"role":"user","content":"Hello"}]%s}""";

    @Autowired
    BackendBreakers breakers;

    @Test
    void opensAfterFailuresSkipsVllmWithoutCallingItAndClosesAfterTheWait() throws Exception {
        TestClient client = new TestClient(port);
        CircuitBreaker breaker = breakers.forVllm(STUB.baseUrl(VllmStub.FLAKY));

        // Errors the request caused are not the server's failures.
        for (int i = 0; i < 4; i++) {
            assertThat(client.post("/v1/chat/completions", CHAT.formatted(",\"temperature\":-0.5")).statusCode())
                    .isEqualTo(400);
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();

        STUB.failing = true;
        try {
            int before = STUB.calls(VllmStub.FLAKY);
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> failed = client.post("/v1/chat/completions", CHAT.formatted(""));
                assertThat(failed.statusCode()).isEqualTo(502);
                JsonNode error = TestClient.json(failed.body()).get("error");
                assertThat(error.get("code").asString()).isEqualTo("backend_unavailable");
                assertThat(error.get("message").asString()).contains("HTTP 500").contains("EngineCore");
            }
            assertThat(STUB.calls(VllmStub.FLAKY)).isEqualTo(before + 4);
            assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);

            HttpResponse<String> skipped = client.post("/v1/chat/completions", CHAT.formatted(""));
            assertThat(skipped.statusCode()).isEqualTo(503);
            assertThat(TestClient.json(skipped.body()).get("error").get("message").asString())
                    .contains("circuit breaker open");
            assertThat(STUB.calls(VllmStub.FLAKY)).as("not called while open").isEqualTo(before + 4);
        } finally {
            STUB.failing = false;
        }

        Thread.sleep(2_100);
        HttpResponse<String> trial = client.post("/v1/chat/completions", CHAT.formatted(""));
        assertThat(trial.statusCode()).isEqualTo(200);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(client.post("/v1/chat/completions", CHAT.formatted("")).statusCode()).isEqualTo(200);
    }
}
