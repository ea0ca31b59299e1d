package dev.moeplatform.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The upstream of the gateway's own tests: chat completions answered the way vLLM's OpenAI-compatible server answers
 * them (JSON with {@code usage}; or server-sent chunks, one per token, {@code stream_options.include_usage} adding
 * the final usage chunk, then {@code [DONE]}), and every other request echoed (method, path, headers, body). It
 * records the last request it received. End-to-end tests use the real services instead.
 *
 * <p>A chat request's {@code max_tokens} is the number of tokens answered; {@code "delay_ms"} spaces streamed
 * chunks; the prompt is always 7 tokens.
 */
public final class StubUpstream implements AutoCloseable {

    public static final int PROMPT_TOKENS = 7;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpServer server;
    private volatile Map<String, Object> lastRequest = Map.of();
    private final java.util.concurrent.atomic.AtomicInteger streamsCut = new java.util.concurrent.atomic.AtomicInteger();

    public StubUpstream() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Method, path, headers (lower-case names) and body of the last request. */
    public Map<String, Object> lastRequest() {
        return lastRequest;
    }

    /** Streams that ended because the gateway hung up before the last chunk. */
    public int streamsCut() {
        return streamsCut.get();
    }

    @SuppressWarnings("unchecked")
    public String lastHeader(String name) {
        return ((Map<String, String>) lastRequest.get("headers")).get(name);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, Object> request = new TreeMap<>();
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.getFirst()));
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            request.put("method", exchange.getRequestMethod());
            request.put("path", exchange.getRequestURI().getPath());
            request.put("headers", headers);
            request.put("body", body);
            lastRequest = request;
            if (exchange.getRequestURI().getPath().equals("/v1/chat/completions") && body.startsWith("{")) {
                chat(exchange, JSON.readTree(body));
            } else {
                send(exchange, 200, JSON.writeValueAsBytes(request));
            }
        }
    }

    private void chat(HttpExchange exchange, JsonNode request) throws IOException {
        int tokens = request.path("max_tokens").asInt(5);
        exchange.getResponseHeaders().set("x-platform-backend", "vllm");
        if (!request.path("stream").asBoolean(false)) {
            send(exchange, 200, ("{\"id\":\"chatcmpl-stub\",\"object\":\"chat.completion\",\"model\":\""
                    + request.path("model").asString() + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                    + "\"assistant\",\"content\":\"" + "tok ".repeat(tokens) + "\"},\"finish_reason\":\"length\"}],"
                    + "\"usage\":{\"prompt_tokens\":" + PROMPT_TOKENS + ",\"completion_tokens\":" + tokens
                    + ",\"total_tokens\":" + (PROMPT_TOKENS + tokens) + "}}").getBytes(StandardCharsets.UTF_8));
            return;
        }
        boolean usage = request.path("stream_options").path("include_usage").asBoolean(false);
        long delay = request.path("delay_ms").asLong(0);
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("x-platform-prompt-tokens", Integer.toString(PROMPT_TOKENS));
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        String nullUsage = usage ? ",\"usage\":null" : "";
        try {
            event(out, "{\"id\":\"chatcmpl-stub\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]" + nullUsage + "}");
            for (int i = 0; i < tokens; i++) {
                if (delay > 0) {
                    Thread.sleep(delay);
                }
                event(out, "{\"id\":\"chatcmpl-stub\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"content\":\"tok \"},\"finish_reason\":" + (i == tokens - 1 ? "\"length\"" : "null")
                        + "}]" + nullUsage + "}");
            }
            if (usage) {
                event(out, "{\"id\":\"chatcmpl-stub\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":" + PROMPT_TOKENS + ",\"completion_tokens\":" + tokens
                        + ",\"total_tokens\":" + (PROMPT_TOKENS + tokens) + "}}");
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException clientLeft) {
            streamsCut.incrementAndGet(); // the gateway closed the connection: its client went away
        }
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
