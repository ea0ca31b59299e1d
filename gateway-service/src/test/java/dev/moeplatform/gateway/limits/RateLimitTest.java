package dev.moeplatform.gateway.limits;

import static dev.moeplatform.gateway.Admin.bearer;
import static dev.moeplatform.testing.ErrorShapeAssertions.assertOpenAiError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.gateway.Admin;
import dev.moeplatform.gateway.GatewayTest;
import dev.moeplatform.gateway.GatewayTestContext;
import dev.moeplatform.testing.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/** Requests and tokens per minute, per key and per tenant, held across two gateway replicas sharing Redis. */
@GatewayTest
class RateLimitTest {

    static ConfigurableApplicationContext replica;

    @Value("${local.server.port}")
    int port;

    Http first;
    Http second;
    Admin admin;

    @BeforeAll
    static void startSecondReplica() {
        replica = GatewayTestContext.startReplica();
    }

    @AfterAll
    static void stopSecondReplica() {
        replica.close();
    }

    @BeforeEach
    void clients() {
        first = new Http("http://127.0.0.1:" + port);
        second = GatewayTestContext.http(replica);
        admin = new Admin(first);
    }

    static String chat(int maxTokens) {
        return "{\"model\":\"m1\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    @Test
    void aTenantsRequestsPerMinuteHoldAcrossKeysAndReplicas() {
        String tenant = admin.tenant(",\"rpmLimit\":3");
        String[] one = bearer(admin.key(tenant, "").get("key").asString());
        String[] two = bearer(admin.key(tenant, "").get("key").asString());

        Http.Response a = first.post("/v1/chat/completions", "application/json", chat(1), one);
        Http.Response b = second.post("/v1/chat/completions", "application/json", chat(1), two);
        Http.Response c = first.post("/v1/chat/completions", "application/json", chat(1), two);
        assertThat(java.util.List.of(a.status(), b.status(), c.status())).containsOnly(200);
        assertThat(a.header("x-ratelimit-limit-requests")).isEqualTo("3");
        assertThat(a.header("x-ratelimit-remaining-requests")).isEqualTo("2");
        assertThat(c.header("x-ratelimit-remaining-requests")).isEqualTo("0");

        Http.Response refused = second.post("/v1/chat/completions", "application/json", chat(1), one);
        JsonNode error = assertOpenAiError(refused, 429);
        assertThat(error.get("code").asString()).isEqualTo("rate_limit_exceeded");
        assertThat(error.get("message").asString()).contains("requests per minute");
        // One request refills every 20 s at 3 per minute.
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(15L, 20L);
        assertThat(refused.header("x-ratelimit-remaining-requests")).isEqualTo("0");

        String scrape = second.get("/actuator/prometheus").body();
        assertThat(scrape).containsPattern("platform_gateway_rejections_total\\{[^}]*reason=\"rate_limit\"[^}]*tenant=\""
                + tenant + "\"[^}]*} 1\\.0");
        assertThat(first.get("/actuator/prometheus").body()).contains("platform_gateway_calls_total{",
                "platform_gateway_overhead_seconds_bucket{", "platform_gateway_metering_buffered",
                "platform_gateway_key_cache_total{");
    }

    @Test
    void aKeysTokensPerMinuteAreDebitedWithActualUsageOnEveryReplica() {
        String tenant = admin.tenant("");
        JsonNode created = admin.key(tenant, ",\"tpmLimit\":30,\"rpmLimit\":100");
        String[] key = bearer(created.get("key").asString());
        String[] other = bearer(admin.key(tenant, "").get("key").asString());

        // 7 prompt + 25 completion tokens: more than the 30 a minute allows, taken after the call.
        Http.Response used = first.post("/v1/chat/completions", "application/json", chat(25), key);
        assertThat(used.status()).isEqualTo(200);
        assertThat(used.header("x-ratelimit-limit-tokens")).isEqualTo("30");

        Http.Response refused = second.post("/v1/chat/completions", "application/json", chat(1), key);
        assertThat(assertOpenAiError(refused, 429).get("message").asString()).contains("tokens per minute");
        assertThat(refused.header("x-ratelimit-remaining-tokens")).isEqualTo("0");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isPositive();
        // The key's limit is the key's: another key of the same tenant is not held back.
        assertThat(second.post("/v1/chat/completions", "application/json", chat(1), other).status()).isEqualTo(200);
    }
}
