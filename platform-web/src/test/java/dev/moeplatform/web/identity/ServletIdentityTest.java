package dev.moeplatform.web.identity;

import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.contracts.identity.PlatformIdentity.Role;
import dev.moeplatform.testing.Http;
import dev.moeplatform.web.servlet.fixture.ServletFixtureApplication;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = ServletFixtureApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"platform.identity.required-paths=/api/whoami",
                "platform.identity.secret=" + ServletIdentityTest.SECRET})
class ServletIdentityTest {

    static final String SECRET = "test-secret-of-at-least-32-bytes!!";

    @Value("${local.server.port}")
    int port;

    Http http() {
        return new Http("http://127.0.0.1:" + port);
    }

    @Test
    void aSignedIdentityReachesTheHandler() {
        String header = new IdentityHeader(SECRET).sign(new PlatformIdentity("acme", "t", "k", "r", Role.TENANT));
        Http.Response response = http().get("/api/whoami", IdentityHeader.NAME, header);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("tenant").asString()).isEqualTo("acme");
    }

    @Test
    void missingOrForgedIdentitiesAre401Problems() {
        assertThat(assertProblem(http().get("/api/whoami"), 401).get("detail").asString())
                .contains("x-platform-identity header is missing");
        String forged = new IdentityHeader("another-secret-of-at-least-32-bytes")
                .sign(new PlatformIdentity("acme", "t", "k", "r", Role.ADMIN));
        assertThat(assertProblem(http().get("/api/whoami", IdentityHeader.NAME, forged), 401).get("detail").asString())
                .contains("signature does not match");
    }

    @Test
    void unprotectedPathsNeedNoIdentity() {
        assertThat(http().get("/actuator/health/liveness").status()).isEqualTo(200);
    }
}
