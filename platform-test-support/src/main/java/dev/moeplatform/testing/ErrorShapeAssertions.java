package dev.moeplatform.testing;

import static org.assertj.core.api.Assertions.assertThat;

import tools.jackson.databind.JsonNode;

/** What every test of the platform's error contract checks, in one place. */
public final class ErrorShapeAssertions {

    private ErrorShapeAssertions() {
    }

    /** OpenAI's {@code {"error": {"message", "type", "param", "code"}}} with the given status. */
    public static JsonNode assertOpenAiError(Http.Response response, int status) {
        assertThat(response.status()).as("status of %s", response).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/json");
        JsonNode error = response.json().get("error");
        assertThat(error).as("OpenAI error object in %s", response.body()).isNotNull();
        assertThat(error.get("message").asString()).isNotBlank();
        assertThat(error.get("type").asString()).isNotBlank();
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
        return error;
    }

    /** An RFC 9457 problem with the given status, served as {@code application/problem+json}. */
    public static JsonNode assertProblem(Http.Response response, int status) {
        assertThat(response.status()).as("status of %s", response).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.get("detail").asString()).isNotBlank();
        assertThat(problem.get("type").asString()).isNotBlank();
        return problem;
    }
}
