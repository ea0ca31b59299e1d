package dev.moeplatform.rag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.testing.Http;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.springframework.core.env.Environment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What rag tests do over and over: call the API as a tenant, create collections, upload files. */
public final class RagFixture {

    public static final IdentityHeader IDENTITIES = new IdentityHeader(RagTestContext.IDENTITY_SECRET);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final Environment environment;
    private final HttpClient client = HttpClient.newHttpClient();

    public RagFixture(Environment environment) {
        this.environment = environment;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + environment.getRequiredProperty("local.server.port");
    }

    /** The API as an API key of {@code tenant} calls it (through the gateway, which signs the identity). */
    public Http as(String tenant) {
        return new Http(baseUrl()).withHeaders(asTenant(tenant));
    }

    public static String[] asTenant(String tenant) {
        return new String[] {IdentityHeader.NAME, IDENTITIES.sign(new PlatformIdentity(tenant, "team-a",
                "key_" + tenant, UUID.randomUUID().toString(), PlatformIdentity.Role.TENANT))};
    }

    public static String newTenant() {
        return "t-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A new collection of the tenant; its id. */
    public String collection(String tenant) {
        Http.Response created = as(tenant).post("/v1/rag/collections", "application/json",
                "{\"name\":\"docs-" + UUID.randomUUID() + "\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().get("id").asString();
    }

    public Http.Response addText(String tenant, String collection, String id, String mediaType, String content) {
        return as(tenant).post("/v1/rag/collections/" + collection + "/documents", "application/json",
                JSON.writeValueAsString(java.util.Map.of("id", id, "mediaType", mediaType, "content", content)));
    }

    /** A multipart upload of one file (field {@code file}), optionally with an {@code id} field. */
    public Http.Response upload(String tenant, String collection, String filename, String contentType, byte[] bytes,
            String id) {
        String boundary = "----rag-test-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (id != null) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n" + id
                    + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: " + contentType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(bytes);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        String[] identity = asTenant(tenant);
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/rag/collections/" + collection
                + "/documents")).header(identity[0], identity[1])
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Http.Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                    response.headers().firstValue("x-request-id").orElse(null), response.body(), response.headers().map());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(String body) {
        return JSON.readTree(body);
    }
}
