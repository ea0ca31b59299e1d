package dev.moeplatform.web.reactive;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertOpenAiError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.web.ErrorContractCases;
import dev.moeplatform.web.reactive.fixture.ReactiveFixtureApplication;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = ReactiveFixtureApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"platform.web.openai-error-paths=/v1/**", "platform.web.max-request-body-size=1KB",
                "platform.web.upload-paths=/v1/uploads/*", "platform.web.max-upload-body-size=8KB",
                "spring.main.web-application-type=reactive"})
class ReactiveErrorContractTest extends ErrorContractCases {

    @Test
    void uploadPathsHaveTheirOwnLargerLimit() {
        String fourKilobytes = "x".repeat(4096);
        // Past the general 1 KB limit, under the upload limit: it reaches routing (no such route here: 404).
        assertOpenAiError(http().post("/v1/uploads/doc", "text/plain", fourKilobytes), 404);
        assertThat(assertOpenAiError(http().post("/v1/uploads/doc", "text/plain", fourKilobytes.repeat(3)), 413)
                .get("message").asString()).contains("8192 bytes");
        assertOpenAiError(http().post("/v1/other", "text/plain", fourKilobytes), 413);
    }
}
