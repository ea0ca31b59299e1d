package dev.moeplatform.rag;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.ServiceContractCases;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

@RagTest
class RagServiceApplicationTest extends ServiceContractCases {

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void migratesItsOwnDatabaseWithPgvector() {
        assertThat(jdbc.queryForObject("select current_database()", String.class)).isEqualTo("rag_test");
        String version = jdbc.queryForObject("select extversion from pg_extension where extname = 'vector'",
                String.class);
        assertThat(version).startsWith("0.8");
        assertThat(jdbc.queryForObject("select '[1,2,2]'::vector <=> '[2,4,4]'::vector", Double.class))
                .isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void platformApiErrorsAreProblems() {
        assertProblem(http().get("/v1/rag/collections/unknown", RagFixture.asTenant("t-any")), 404);
        assertProblem(http().get("/v1/rag/collections"), 401);
        assertProblem(http().method("DELETE", "/actuator/health"), 405);
    }
}
