package dev.moeplatform.gateway.keys;

import static dev.moeplatform.gateway.Admin.bearer;
import static dev.moeplatform.gateway.Admin.token;
import static dev.moeplatform.testing.ErrorShapeAssertions.assertOpenAiError;
import static dev.moeplatform.testing.ErrorShapeAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.gateway.Admin;
import dev.moeplatform.gateway.GatewayTest;
import dev.moeplatform.gateway.GatewayTestContext;
import dev.moeplatform.testing.Http;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/** Keys from creation to revocation, what reaches the services, and the admin credential. */
@GatewayTest
class ApiKeyAuthenticationTest {

    static final String CHAT = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String EMBED = "{\"model\":\"m1\",\"input\":\"hi\"}";

    @Value("${local.server.port}")
    int port;

    Http http;
    Admin admin;

    @BeforeEach
    void clients() {
        http = new Http("http://127.0.0.1:" + port);
        admin = new Admin(http);
    }

    @Test
    void aKeyIsShownOnceAndStoredOnlyAsAHash() {
        String tenant = admin.tenant("");
        JsonNode created = admin.key(tenant, "");
        String key = created.get("key").asString();
        assertThat(key).matches("sk-moe-[a-z0-9]{10}-[A-Za-z0-9_-]{43}");
        String id = created.get("details").get("id").asString();
        assertThat(key).startsWith("sk-moe-" + id + "-");

        String listed = http.get("/admin/keys?tenant=" + tenant, token()).body();
        assertThat(listed).contains(id).doesNotContain(key.substring(18)).doesNotContain("secret");
    }

    @Test
    void theServicesGetASignedIdentityAndNeitherTheKeyNorAForgedIdentity() {
        String tenant = admin.tenant("");
        String key = admin.key(tenant, "").get("key").asString();
        String forged = new IdentityHeader(GatewayTestContext.IDENTITY_SECRET).sign(new PlatformIdentity("other",
                "t", "k", "r", PlatformIdentity.Role.ADMIN));

        Http.Response response = http.post("/v1/embeddings", "application/json", EMBED, "Authorization",
                "Bearer " + key, IdentityHeader.NAME, forged, "x-request-id", "auth-test-1");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode headers = response.json().get("headers");
        assertThat(headers.has("authorization")).isFalse();
        PlatformIdentity identity = new IdentityHeader(GatewayTestContext.IDENTITY_SECRET)
                .verify(headers.get(IdentityHeader.NAME).asString());
        assertThat(identity.tenant()).isEqualTo(tenant);
        assertThat(identity.team()).isEqualTo("main");
        assertThat(identity.role()).isEqualTo(PlatformIdentity.Role.TENANT);
        assertThat(identity.requestId()).isEqualTo("auth-test-1");
        assertThat(response.json().get("body").asString()).isEqualTo(EMBED);
    }

    @Test
    void aPlatformServiceCallsOnBehalfOfAKeyWithThatKeysSignedIdentity() {
        String tenant = admin.tenant("");
        String keyId = admin.key(tenant, "").get("details").get("id").asString();
        IdentityHeader services = new IdentityHeader(GatewayTestContext.IDENTITY_SECRET);
        String onBehalf = services.sign(new PlatformIdentity(tenant, "main", keyId, "rag-call-1",
                PlatformIdentity.Role.TENANT));

        Http.Response response = http.post("/v1/embeddings", "application/json", EMBED, IdentityHeader.NAME, onBehalf,
                "Authorization", "Bearer on-behalf-of");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        PlatformIdentity forwarded = services.verify(response.json().get("headers").get(IdentityHeader.NAME)
                .asString());
        assertThat(forwarded.tenant()).isEqualTo(tenant);
        assertThat(forwarded.keyId()).isEqualTo(keyId);
        assertThat(forwarded.requestId()).isEqualTo(response.requestId()).isNotEqualTo("rag-call-1");
        assertThat(response.json().get("headers").has("authorization")).isFalse();

        // Signed with another secret: not a service, so an API key is needed.
        String outsider = new IdentityHeader("not-the-platform-secret-0123456789abcdef").sign(new PlatformIdentity(
                tenant, "main", keyId, "x", PlatformIdentity.Role.TENANT));
        assertThat(assertOpenAiError(http.post("/v1/embeddings", "application/json", EMBED, IdentityHeader.NAME,
                outsider), 401).get("code").asString()).isEqualTo("missing_api_key");
        // The key must belong to the tenant named, and still be usable.
        String otherTenant = admin.tenant("");
        assertOpenAiError(http.post("/v1/embeddings", "application/json", EMBED, IdentityHeader.NAME,
                services.sign(new PlatformIdentity(otherTenant, "main", keyId, "x", PlatformIdentity.Role.TENANT))),
                401);
        assertThat(http.post("/admin/keys/" + keyId + "/revoke", "application/json", "", token()).status())
                .isEqualTo(200);
        assertThat(assertOpenAiError(http.post("/v1/embeddings", "application/json", EMBED, IdentityHeader.NAME,
                onBehalf), 401).get("message").asString()).contains("revoked");
    }

    @Test
    void missingWrongExpiredAndDisallowedKeysAreRefusedInTheRoutesShape() throws Exception {
        assertThat(assertOpenAiError(http.post("/v1/chat/completions", "application/json", CHAT), 401)
                .get("code").asString()).isEqualTo("missing_api_key");
        assertThat(assertOpenAiError(http.get("/v1/models", bearer("sk-moe-abcdefghij-" + "x".repeat(43))), 401)
                .get("code").asString()).isEqualTo("invalid_api_key");
        assertOpenAiError(http.get("/v1/models", bearer("not-a-key")), 401);
        assertProblem(http.get("/v1/billing/usage"), 401);
        assertProblem(http.get("/v1/rag/collections", bearer("sk-wrong")), 401);

        String tenant = admin.tenant("");
        String key = admin.key(tenant, "").get("key").asString();
        String wrongSecret = key.substring(0, key.length() - 4) + (key.endsWith("AAAA") ? "BBBB" : "AAAA");
        assertOpenAiError(http.get("/v1/models", bearer(wrongSecret)), 401);

        String limited = admin.key(tenant, ",\"allowedModels\":[\"m1\"]").get("key").asString();
        assertThat(http.post("/v1/chat/completions", "application/json", CHAT, bearer(limited)).status())
                .isEqualTo(200);
        JsonNode refused = assertOpenAiError(http.post("/v1/chat/completions", "application/json",
                CHAT.replace("m1", "m2"), bearer(limited)), 403);
        assertThat(refused.get("param").asString()).isEqualTo("model");
        assertThat(refused.get("message").asString()).contains("'m2'");

        String expiring = admin.key(tenant, ",\"expiresAt\":\"" + Instant.now().plusSeconds(2) + "\"").get("key")
                .asString();
        assertThat(http.get("/v1/models", bearer(expiring)).status()).isEqualTo(200);
        Thread.sleep(2100);
        assertThat(assertOpenAiError(http.get("/v1/models", bearer(expiring)), 401).get("message").asString())
                .contains("expired");
    }

    @Test
    void theAdminApiNeedsTheAdminTokenNotAnApiKey() {
        assertProblem(http.get("/admin/tenants"), 401);
        assertProblem(http.get("/admin/tenants", "Authorization", "Bearer wrong-token-of-some-length-xx"), 401);
        String tenant = admin.tenant("");
        String key = admin.key(tenant, "").get("key").asString();
        assertProblem(http.get("/admin/tenants", bearer(key)), 401);
        assertThat(http.get("/admin/tenants", token()).status()).isEqualTo(200);
        assertThat(assertProblem(http.post("/admin/tenants", "application/json", "{\"id\":\"Bad Id\",\"name\":\"x\"}",
                token()), 400).get("param").asString()).isEqualTo("id");
        assertProblem(http.post("/admin/tenants", "application/json",
                "{\"id\":\"" + tenant + "\",\"name\":\"again\"}", token()), 409);
        assertThat(assertProblem(http.post("/admin/keys", "application/json",
                "{\"tenant\":\"" + tenant + "\",\"team\":\"nope\",\"name\":\"k\"}", token()), 400)
                .get("param").asString()).isEqualTo("team");
        assertProblem(http.post("/admin/keys/nokey/revoke", "application/json", "", token()), 404);
    }

    @Test
    void billingsAdministrationIsReachedWithTheAdminTokenAsAnAdministrator() {
        assertProblem(http.get("/admin/billing/prices"), 401);
        String tenant = admin.tenant("");
        assertProblem(http.get("/admin/billing/prices", bearer(admin.key(tenant, "").get("key").asString())), 401);

        Http.Response response = http.get("/admin/billing/prices?model=x", token());
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("path").asString()).isEqualTo("/v1/billing/prices");
        JsonNode headers = response.json().get("headers");
        assertThat(headers.has("authorization")).isFalse();
        assertThat(new IdentityHeader(GatewayTestContext.IDENTITY_SECRET).verify(headers.get(IdentityHeader.NAME)
                .asString()).isAdmin()).isTrue();
    }

    @Test
    void revocationReachesEveryReplicaWithinOneSecond() throws Exception {
        try (ConfigurableApplicationContext replica = GatewayTestContext.startReplica()) {
            Http other = GatewayTestContext.http(replica);
            String tenant = admin.tenant("");
            JsonNode created = admin.key(tenant, "");
            String key = created.get("key").asString();
            // Both replicas have verified (and cached) the key.
            assertThat(http.get("/v1/models", bearer(key)).status()).isEqualTo(200);
            assertThat(other.get("/v1/models", bearer(key)).status()).isEqualTo(200);

            long revokedAt = System.nanoTime();
            assertThat(http.post("/admin/keys/" + created.get("details").get("id").asString() + "/revoke",
                    "application/json", "", token()).json().get("revokedAt").isNull()).isFalse();
            while (other.get("/v1/models", bearer(key)).status() == 200) {
                assertThat((System.nanoTime() - revokedAt) / 1_000_000).as("ms until the other replica refuses")
                        .isLessThan(1000);
                Thread.sleep(20);
            }
            assertThat(assertOpenAiError(other.get("/v1/models", bearer(key)), 401).get("message").asString())
                    .contains("revoked");
            assertOpenAiError(http.get("/v1/models", bearer(key)), 401);
        }
    }
}
