package dev.moeplatform.web;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertOpenAiError;
import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.Http;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;

/**
 * The error contract every service's web stack must keep, run against a real server of each stack. Fixtures are
 * configured with {@code openai-error-paths=/v1/**} and a 1 KB body limit.
 */
public abstract class ErrorContractCases {

    @Value("${local.server.port}")
    private int port;

    protected Http http() {
        return new Http("http://localhost:" + port);
    }

    @Test
    void validRequestPassesThroughWithARequestId() {
        Http.Response ok = http().post("/v1/echo", "application/json", "{\"model\":\"m\",\"unknown\":1}");

        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("model").asString()).isEqualTo("m");
        assertThat(ok.requestId()).isNotBlank();
    }

    @Test
    void callersRequestIdIsEchoedWhenPlainAndReplacedWhenNot() {
        assertThat(http().get("/api/nothing", "x-request-id", "abc-123").requestId()).isEqualTo("abc-123");
        assertThat(http().get("/api/nothing", "x-request-id", "bad id\twith spaces").requestId())
                .isNotBlank().isNotEqualTo("bad id\twith spaces");
    }

    @Test
    void unknownRouteIsAnOpenAiErrorUnderV1AndAProblemElsewhere() {
        JsonNode error = assertOpenAiError(http().get("/v1/nothing-here"), 404);
        assertThat(error.get("message").asString()).contains("GET /v1/nothing-here");
        assertThat(error.get("type").asString()).isEqualTo("invalid_request_error");

        JsonNode problem = assertProblem(http().get("/api/nothing-here"), 404);
        assertThat(problem.get("detail").asString()).contains("/api/nothing-here");
        assertThat(problem.get("instance").asString()).isEqualTo("/api/nothing-here");
        assertThat(problem.get("requestId").asString()).isNotBlank();
    }

    @Test
    void browsersGetJsonTooNeverAnHtmlPage() {
        assertProblem(http().get("/api/nothing-here", "Accept", "text/html"), 404);
        assertOpenAiError(http().get("/v1/nothing-here", "Accept", "text/html"), 404);
    }

    @Test
    void malformedJsonIs400NamingTheProblem() {
        JsonNode error = assertOpenAiError(http().post("/v1/echo", "application/json", "{\"model\": "), 400);
        assertThat(error.get("message").asString()).startsWith("Request body is not valid JSON");
        assertThat(error.get("code").asString()).isEqualTo("invalid_json");

        assertProblem(http().post("/api/echo", "application/json", "{not json}"), 400);
    }

    @Test
    void invalidFieldIs400NamingTheParam() {
        JsonNode error = assertOpenAiError(http().post("/v1/echo", "application/json", "{\"model\":\"\"}"), 400);
        assertThat(error.get("param").asString()).isEqualTo("model");

        JsonNode problem = assertProblem(http().post("/api/echo", "application/json", "{\"model\":\" \"}"), 400);
        assertThat(problem.get("param").asString()).isEqualTo("model");
    }

    @Test
    void wrongContentTypeIs415() {
        JsonNode error = assertOpenAiError(http().post("/v1/echo", "text/plain", "model=m"), 415);
        assertThat(error.get("message").asString()).contains("application/json");
        assertProblem(http().post("/api/echo", "application/xml", "<model/>"), 415);
    }

    @Test
    void wrongMethodIs405ListingTheAllowedOnes() {
        JsonNode error = assertOpenAiError(http().method("DELETE", "/v1/echo"), 405);
        assertThat(error.get("message").asString()).contains("DELETE", "POST");
    }

    @Test
    void bodyOverTheLimitIs413WhetherDeclaredOrStreamed() {
        String big = "{\"model\":\"" + "x".repeat(4096) + "\"}";
        JsonNode declared = assertOpenAiError(http().post("/v1/echo", "application/json", big), 413);
        assertThat(declared.get("message").asString()).contains("1024 bytes");

        byte[] chunked = big.getBytes();
        assertProblem(http().postChunked("/api/echo", "application/json", chunked), 413);
        assertOpenAiError(http().postChunked("/v1/echo", "application/json", Arrays.copyOf(chunked, chunked.length)), 413);
    }
}
