package dev.moeplatform.gateway;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertOpenAiError;
import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.ServiceContractCases;
import dev.moeplatform.testing.TestInfrastructure;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** The gateway on real PostgreSQL, Redis and Kafka, with every upstream pointed at a port where nothing listens. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GatewayServiceApplicationTest extends ServiceContractCases {

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) throws IOException {
        TestInfrastructure infra = TestInfrastructure.get();
        infra.registerPostgres(registry, "gateway_test");
        infra.registerRedis(registry);
        infra.registerKafka(registry);
        String nowhere = "http://127.0.0.1:" + unusedPort();
        registry.add("INFERENCE_URL", () -> nowhere);
        registry.add("RAG_URL", () -> nowhere);
        registry.add("BILLING_URL", () -> nowhere);
        registry.add("platform.gateway.admin-token", () -> GatewayTestContext.ADMIN_TOKEN);
        registry.add("platform.identity.secret", () -> GatewayTestContext.IDENTITY_SECRET);
    }

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ReactiveStringRedisTemplate redis;

    @Autowired
    KafkaAdmin kafkaAdmin;

    @Test
    void usesItsOwnDatabaseRedisAndKafka() {
        assertThat(jdbc.queryForObject("select current_database()", String.class)).isEqualTo("gateway_test");
        assertThat(redis.getConnectionFactory().getReactiveConnection().ping().block()).isEqualTo("PONG");
        assertThat(kafkaAdmin.clusterId()).isNotBlank();
    }

    @Test
    void unknownRoutesGetTheShapeOfTheirApi() {
        JsonNode openAi = assertOpenAiError(http().get("/v1/no-such-endpoint"), 404);
        assertThat(openAi.get("message").asString()).contains("/v1/no-such-endpoint");

        assertProblem(http().get("/admin/no-such-endpoint", Admin.token()), 404);
    }

    @Test
    void upstreamThatIsDownIs503InTheRoutesShape() {
        Admin admin = new Admin(http());
        String[] key = Admin.bearer(admin.key(admin.tenant(""), "").get("key").asString());
        JsonNode openAi = assertOpenAiError(http().get("/v1/models", key), 503);
        assertThat(openAi.get("code").asString()).isEqualTo("upstream_unavailable");

        assertProblem(http().get("/v1/rag/collections", key), 503);
        assertProblem(http().get("/v1/billing/usage", key), 503);
    }

    @Test
    void everyResponseCarriesARequestId() {
        assertThat(http().get("/v1/models", "x-request-id", "req-42").requestId()).isEqualTo("req-42");
        assertThat(http().get("/admin/x").requestId()).isNotBlank();
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
