package dev.moeplatform.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A vLLM server for the end-to-end tests (no accelerator here): answers {@code POST /v1/chat/completions} in vLLM's
 * response format (its extra fields included), with an answer citing passage [1] and usage counted from the request
 * (about four characters per prompt token), so that what the gateway meters is what this server reported. Records
 * the requests it received.
 */
final class VllmReplayServer {

    static final String ANSWER = "Rows are written to the write-ahead log first [1].";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();

    private VllmReplayServer(HttpServer server) {
        this.server = server;
    }

    static VllmReplayServer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        VllmReplayServer replay = new VllmReplayServer(server);
        server.createContext("/v1/chat/completions", replay::chat);
        server.start();
        return replay;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    List<JsonNode> requests() {
        return requests;
    }

    private void chat(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            requests.add(request);
            int prompt = Math.max(1, request.get("messages").toString().length() / 4);
            int completion = 12;
            Map<String, Object> message = new java.util.LinkedHashMap<>();
            message.put("role", "assistant");
            message.put("content", ANSWER);
            message.put("refusal", null);
            message.put("tool_calls", List.of());
            message.put("reasoning_content", null);
            Map<String, Object> choice = new java.util.LinkedHashMap<>();
            choice.put("index", 0);
            choice.put("message", message);
            choice.put("logprobs", null);
            choice.put("finish_reason", "stop");
            choice.put("stop_reason", null);
            Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("id", "chatcmpl-e2e" + requests.size());
            body.put("object", "chat.completion");
            body.put("created", System.currentTimeMillis() / 1000);
            body.put("model", request.get("model").asString());
            body.put("choices", List.of(choice));
            body.put("usage", Map.of("prompt_tokens", prompt, "completion_tokens", completion,
                    "total_tokens", prompt + completion));
            body.put("prompt_logprobs", null);
            byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }
}
