package dev.moeplatform.billing;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.Http;
import dev.moeplatform.testing.ServiceContractCases;
import dev.moeplatform.testing.TestInfrastructure;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BillingServiceApplicationTest extends ServiceContractCases {

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        TestInfrastructure infra = TestInfrastructure.get();
        infra.registerPostgres(registry, "billing_test");
        infra.registerKafka(registry);
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    KafkaAdmin kafkaAdmin;

    @Override
    protected Http http() {
        return new Http("http://localhost:" + port);
    }

    @Test
    void usesItsOwnDatabaseAndKafka() throws Exception {
        assertThat(jdbc.queryForObject("select current_database()", String.class)).isEqualTo("billing_test");
        try (AdminClient admin = AdminClient.create(kafkaAdmin.getConfigurationProperties())) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).isNotEmpty();
        }
    }

    @Test
    void platformApiErrorsAreProblems() {
        assertProblem(http().get("/v1/billing/no-such-report"), 404);
        assertProblem(http().post("/v1/billing/usage", "text/plain", "x"), 404);
    }
}
