package dev.moeplatform.web.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class ApiErrorMapperTest {

    private final ApiErrorMapper mapper = new ApiErrorMapper();

    @Test
    void serviceDefinedErrorsPassThroughUnchanged() {
        ApiError notFound = new ApiError(404, "The model 'x' does not exist", "model", "model_not_found");

        assertThat(mapper.map(new ApiException(notFound), "POST", "/v1/chat/completions")).isEqualTo(notFound);
    }

    @Test
    void unreachableUpstreamIs503() {
        ApiError error = mapper.map(new UncheckedIOException(new ConnectException("refused")), "GET", "/v1/models");

        assertThat(error.status()).isEqualTo(503);
        assertThat(error.code()).isEqualTo("upstream_unavailable");
    }

    @Test
    void anythingElseIsA500ThatRevealsNothing() {
        ApiError error = mapper.map(new IllegalStateException("password=hunter2"), "GET", "/x");

        assertThat(error.status()).isEqualTo(500);
        assertThat(error.message()).doesNotContain("hunter2");
    }
}
