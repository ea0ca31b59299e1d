package dev.moeplatform.gateway.calls;

import static dev.moeplatform.gateway.Admin.bearer;
import static dev.moeplatform.testing.ErrorShapeAssertions.assertOpenAiError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.gateway.Admin;
import dev.moeplatform.gateway.GatewayTestContext;
import dev.moeplatform.testing.Http;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** Beyond its in-flight limit the gateway refuses at once (503, Retry-After) instead of queueing without bound. */
class InFlightLimitTest {

    @Test
    void requestsBeyondTheLimitAreShedAndServedAgainOnceRoomIsBack() throws Exception {
        try (ConfigurableApplicationContext gateway = GatewayTestContext.startReplica(
                "--platform.gateway.max-in-flight=1")) {
            Http http = GatewayTestContext.http(gateway);
            Admin admin = new Admin(http);
            String tenant = whenRoom(() -> admin.tenant(""));
            String[] key = bearer(whenRoom(() -> admin.key(tenant, "")).get("key").asString());
            // One slow stream holds the only slot for about 2 s.
            CompletableFuture<Http.Response> slow = CompletableFuture.supplyAsync(() -> http.post(
                    "/v1/chat/completions", "application/json", "{\"model\":\"m1\",\"max_tokens\":10,\"stream\":true,"
                            + "\"delay_ms\":200,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", key));
            Thread.sleep(700);
            Http.Response shed = http.get("/v1/models", key);
            assertThat(assertOpenAiError(shed, 503).get("code").asString()).isEqualTo("gateway_overloaded");
            assertThat(shed.header("Retry-After")).isEqualTo("1");
            assertThat(http.get("/actuator/health/liveness").status()).as("probes are never shed").isEqualTo(200);

            assertThat(slow.get().status()).isEqualTo(200);
            assertThat(whenRoom(() -> http.get("/v1/models", key)).status()).isEqualTo(200);
        }
    }

    /**
     * The setup's own calls, one after another: a request holds its slot until its exchange has completed, which
     * can be a moment after the client has read the response, so the next call may still find the one slot taken.
     */
    private static <T> T whenRoom(java.util.function.Supplier<T> call) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                T result = call.get();
                if (!(result instanceof Http.Response response && response.status() == 503) || attempt == 50) {
                    return result;
                }
            } catch (AssertionError refused) {
                if (!String.valueOf(refused.getMessage()).contains("gateway_overloaded") || attempt == 50) {
                    throw refused;
                }
            }
            Thread.sleep(20);
        }
    }
}
