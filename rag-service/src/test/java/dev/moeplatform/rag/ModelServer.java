package dev.moeplatform.rag;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where the gateway would be, for rag-service's own integration tests: OpenAI's {@code /v1/embeddings} computed by
 * the real all-MiniLM-L6-v2, and {@code /v1/chat/completions} replaying an OpenAI-shaped answer (streamed or not)
 * that cites passage [1]. It checks the signed identity each call must carry, and records every call so that tests
 * can see on whose behalf and with what prompt rag-service called. Inputs containing {@link #FAIL_MARKER} make the
 * embeddings call fail (500), to test that a failed ingestion leaves nothing behind.
 */
public final class ModelServer {

    public static final String FAIL_MARKER = "EMBEDDING-FAILURE-MARKER";
    public static final String ANSWER = "SQLite keeps the rollback journal until the transaction commits [1].";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static ModelServer instance;

    /** One call as received: path, the tenant it was made for, the JSON body. */
    public record Call(String path, PlatformIdentity caller, JsonNode body) {
    }

    private final HttpServer server;
    private final IdentityHeader identities = new IdentityHeader(RagTestContext.IDENTITY_SECRET);
    private final List<Call> calls = new CopyOnWriteArrayList<>();

    private ModelServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/embeddings", exchange -> handle(exchange, this::embeddings));
        server.createContext("/v1/chat/completions", exchange -> handle(exchange, this::chat));
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    public static synchronized ModelServer get() {
        if (instance == null) {
            try {
                instance = new ModelServer();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return instance;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Call> calls(String path) {
        return calls.stream().filter(c -> c.path().equals(path)).toList();
    }

    public List<Call> callsFor(String tenant) {
        return calls.stream().filter(c -> c.caller().tenant().equals(tenant)).toList();
    }

    private interface Handler {
        void handle(HttpExchange exchange, JsonNode body) throws IOException;
    }

    private void handle(HttpExchange exchange, Handler handler) throws IOException {
        try (exchange) {
            JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
            PlatformIdentity caller;
            try {
                caller = identities.verify(exchange.getRequestHeaders().getFirst(IdentityHeader.NAME));
            } catch (RuntimeException e) {
                reply(exchange, 401, "{\"error\":{\"message\":\"no valid identity: " + e.getMessage() + "\"}}");
                return;
            }
            calls.add(new Call(exchange.getRequestURI().getPath(), caller, body));
            handler.handle(exchange, body);
        }
    }

    private void embeddings(HttpExchange exchange, JsonNode body) throws IOException {
        List<String> inputs = new ArrayList<>();
        if (body.get("input").isArray()) {
            body.get("input").forEach(i -> inputs.add(i.asString()));
        } else {
            inputs.add(body.get("input").asString());
        }
        if (inputs.stream().anyMatch(i -> i.contains(FAIL_MARKER))) {
            reply(exchange, 500, "{\"error\":{\"message\":\"the embedding model failed\"}}");
            return;
        }
        List<float[]> vectors = MiniLm.get().embed(inputs);
        ObjectNode response = JSON.createObjectNode().put("object", "list").put("model", body.get("model").asString());
        ArrayNode data = response.putArray("data");
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            ArrayNode embedding = item.putArray("embedding");
            for (float x : vectors.get(i)) {
                embedding.add(x);
            }
        }
        response.putObject("usage").put("prompt_tokens", inputs.size() * 10).put("total_tokens", inputs.size() * 10);
        reply(exchange, 200, JSON.writeValueAsString(response));
    }

    private void chat(HttpExchange exchange, JsonNode body) throws IOException {
        String model = body.get("model").asString();
        int promptTokens = body.toString().length() / 4;
        if (!body.path("stream").asBoolean(false)) {
            reply(exchange, 200, JSON.writeValueAsString(Map.of("id", "chatcmpl-test", "object", "chat.completion",
                    "created", 1, "model", model,
                    "choices", List.of(Map.of("index", 0, "finish_reason", "stop",
                            "message", Map.of("role", "assistant", "content", ANSWER))),
                    "usage", Map.of("prompt_tokens", promptTokens, "completion_tokens", 14,
                            "total_tokens", promptTokens + 14))));
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        for (String piece : ANSWER.split("(?<= )")) {
            event(out, Map.of("id", "chatcmpl-test", "object", "chat.completion.chunk", "created", 1, "model", model,
                    "choices", List.of(Map.of("index", 0, "delta", Map.of("content", piece)))));
        }
        event(out, Map.of("id", "chatcmpl-test", "object", "chat.completion.chunk", "created", 1, "model", model,
                "choices", List.of(Map.of("index", 0, "delta", Map.of(), "finish_reason", "stop"))));
        if (body.path("stream_options").path("include_usage").asBoolean(false)) {
            event(out, Map.of("id", "chatcmpl-test", "object", "chat.completion.chunk", "created", 1, "model", model,
                    "choices", List.of(), "usage", Map.of("prompt_tokens", promptTokens, "completion_tokens", 14,
                            "total_tokens", promptTokens + 14)));
        }
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void event(OutputStream out, Object chunk) throws IOException {
        out.write(("data: " + JSON.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
