package dev.moeplatform.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.contracts.errors.OpenAiError;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class OpenAiErrorTest {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void serialisesExactlyAsOpenAiDoesIncludingExplicitNulls() {
        String body = json.writeValueAsString(OpenAiError.of(404, "Unknown model 'x'", "model", "model_not_found"));

        assertThat(body).isEqualTo(
                "{\"error\":{\"message\":\"Unknown model 'x'\",\"type\":\"invalid_request_error\",\"param\":\"model\",\"code\":\"model_not_found\"}}");
        assertThat(json.writeValueAsString(OpenAiError.of(500, "boom", null, null)))
                .contains("\"param\":null", "\"code\":null", "\"type\":\"server_error\"");
    }

    @Test
    void mapsStatusesToTheTypesOpenAiSdksRecognise() {
        assertThat(OpenAiError.typeFor(400)).isEqualTo("invalid_request_error");
        assertThat(OpenAiError.typeFor(401)).isEqualTo("authentication_error");
        assertThat(OpenAiError.typeFor(403)).isEqualTo("permission_error");
        assertThat(OpenAiError.typeFor(413)).isEqualTo("invalid_request_error");
        assertThat(OpenAiError.typeFor(429)).isEqualTo("rate_limit_error");
        assertThat(OpenAiError.typeFor(502)).isEqualTo("server_error");
    }

    @Test
    void readsBackWhatOpenAiSdkClientsWouldSee() {
        OpenAiError parsed = json.readValue(
                "{\"error\":{\"message\":\"m\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}",
                OpenAiError.class);

        assertThat(parsed.error().message()).isEqualTo("m");
        assertThat(parsed.error().param()).isNull();
    }
}
