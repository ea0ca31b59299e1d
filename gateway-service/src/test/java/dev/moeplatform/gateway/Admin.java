package dev.moeplatform.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.Http;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** The admin API as tests use it: a fresh tenant with one team, and keys in it. */
public final class Admin {

    private final Http http;

    public Admin(Http http) {
        this.http = http;
    }

    public static String[] token() {
        return new String[] {"Authorization", "Bearer " + GatewayTestContext.ADMIN_TOKEN};
    }

    public static String[] bearer(String key) {
        return new String[] {"Authorization", "Bearer " + key};
    }

    /** Creates tenant {@code t-<random>} (with the given extra JSON fields) and its team {@code main}. */
    public String tenant(String extraJson) {
        String id = "t-" + UUID.randomUUID().toString().substring(0, 8);
        expect(http.post("/admin/tenants", "application/json",
                "{\"id\":\"" + id + "\",\"name\":\"Tenant " + id + "\"" + extraJson + "}", token()), 201);
        expect(http.post("/admin/tenants/" + id + "/teams", "application/json",
                "{\"id\":\"main\",\"name\":\"Main team\"}", token()), 201);
        return id;
    }

    /** A key of the tenant's team {@code main}; {@code extraJson} adds fields such as limits. */
    public JsonNode key(String tenant, String extraJson) {
        return expect(http.post("/admin/keys", "application/json",
                "{\"tenant\":\"" + tenant + "\",\"team\":\"main\",\"name\":\"test key\"" + extraJson + "}", token()),
                201).json();
    }

    static Http.Response expect(Http.Response response, int status) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        return response;
    }
}
