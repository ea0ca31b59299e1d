package dev.moeplatform.testing;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;

/**
 * What every running service promises operations and API callers, whatever it does: probes, metrics, its OpenAPI
 * document, and problem details for bad requests outside the OpenAI model API. A service's test extends this and
 * adds its own cases; it must be a {@code @SpringBootTest} on a random (or defined) port.
 */
public abstract class ServiceContractCases {

    @Value("${local.server.port}")
    private int port;

    /** A client for the running service under test. */
    protected Http http() {
        return new Http("http://localhost:" + port);
    }

    @Test
    void livenessAndReadinessProbesAreUp() {
        Http.Response liveness = http().get("/actuator/health/liveness");
        Http.Response readiness = http().get("/actuator/health/readiness");

        assertThat(liveness.status()).as("liveness %s", liveness).isEqualTo(200);
        assertThat(readiness.status()).as("readiness %s", readiness).isEqualTo(200);
        assertThat(readiness.json().get("status").asString()).isEqualTo("UP");
    }

    @Test
    void prometheusScrapeCarriesJvmAndHttpMetrics() {
        http().get("/actuator/health");
        Http.Response scrape = http().get("/actuator/prometheus");

        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.body()).contains("jvm_memory_used_bytes", "http_server_requests_seconds");
    }

    @Test
    void openApiDocumentDescribesTheService() {
        Http.Response doc = http().get("/v3/api-docs");

        assertThat(doc.status()).isEqualTo(200);
        JsonNode json = doc.json();
        assertThat(json.get("openapi").asString()).startsWith("3.");
        assertThat(json.get("paths")).isNotNull();
    }

    @Test
    void unknownRouteIsA404Problem() {
        JsonNode problem = assertProblem(http().get("/no/such/route", "Accept", "text/html"), 404);

        assertThat(problem.get("detail").asString()).contains("/no/such/route");
    }

    @Test
    void oversizedBodyIs413BeforeAnyHandlerReadsIt() {
        assertProblem(http().post("/no/such/route", "application/json", "[" + "0,".repeat(2 * 1024 * 1024) + "0]"), 413);
    }
}
