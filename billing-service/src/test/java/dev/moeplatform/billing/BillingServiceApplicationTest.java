package dev.moeplatform.billing;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.ServiceContractCases;
import dev.moeplatform.testing.TestInfrastructure;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
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

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    KafkaAdmin kafkaAdmin;

    @Test
    void usesItsOwnDatabaseAndKafka() {
        assertThat(jdbc.queryForObject("select current_database()", String.class)).isEqualTo("billing_test");
        assertThat(kafkaAdmin.clusterId()).isNotBlank();
    }

    @Test
    void platformApiErrorsAreProblems() {
        assertProblem(http().get("/v1/billing/no-such-report"), 404);
        assertProblem(http().post("/v1/billing/usage", "text/plain", "x"), 404);
    }
}
