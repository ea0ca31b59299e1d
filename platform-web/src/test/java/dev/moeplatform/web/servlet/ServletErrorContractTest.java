package dev.moeplatform.web.servlet;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.web.ErrorContractCases;
import dev.moeplatform.web.servlet.fixture.ServletFixtureApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = ServletFixtureApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"platform.web.openai-error-paths=/v1/**", "platform.web.max-request-body-size=1KB"})
class ServletErrorContractTest extends ErrorContractCases {


    @Test
    void unexpectedFailureIs500WithoutLeakingItsCause() {
        JsonNode problem = assertProblem(http().get("/api/boom"), 500);
        assertThat(problem.toString()).doesNotContain("secret internal detail", "IllegalStateException");
    }

    @Test
    void logLinesAreJsonCarryingTheTraceAndRequestIds(CapturedOutput output) {
        http().get("/api/boom", "x-request-id", "log-check-1");

        String line = output.getOut().lines().filter(l -> l.contains("log-check-1")).findFirst().orElseThrow();
        JsonNode json = tools.jackson.databind.json.JsonMapper.builder().build().readTree(line);
        assertThat(json.get("requestId").asString()).isEqualTo("log-check-1");
        assertThat(json.get("traceId").asString()).matches("[0-9a-f]{16,32}");
        assertThat(json.get("spanId").asString()).matches("[0-9a-f]{16}");
        assertThat(json.get("log").get("level").asString()).isEqualTo("ERROR");
    }

    @Test
    void operationalEndpointsComeFromThePlatformDefaults() {
        assertThat(http().get("/actuator/health/liveness").status()).isEqualTo(200);
        assertThat(http().get("/actuator/health/readiness").status()).isEqualTo(200);
        assertThat(http().get("/actuator/prometheus").body()).contains("jvm_memory_used_bytes");
    }
}
