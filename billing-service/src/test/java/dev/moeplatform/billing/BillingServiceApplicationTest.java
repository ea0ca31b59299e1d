package dev.moeplatform.billing;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.ServiceContractCases;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaAdmin;

@BillingTest
class BillingServiceApplicationTest extends ServiceContractCases {

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
        assertProblem(http().get("/v1/billing/no-such-report", BillingFixture.asAdmin()), 404);
        assertProblem(http().post("/v1/billing/usage", "text/plain", "x", BillingFixture.asAdmin()), 405);
    }

    @Test
    void everyBillingEndpointNeedsTheGatewaysSignedIdentity() {
        assertThat(assertProblem(http().get("/v1/billing/usage"), 401).get("detail").asString())
                .contains("x-platform-identity header is missing");
        assertProblem(http().get("/v1/billing/prices", "x-platform-identity", "v1.forged.value"), 401);
    }
}
