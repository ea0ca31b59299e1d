package dev.moeplatform.inference.vllm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Stands in for a vLLM server over real HTTP, replaying vLLM's own response formats from the fixtures under
 * {@code src/test/resources/vllm}: {@code chat.completion} and {@code text_completion} objects with vLLM's extra
 * fields, its streams (one {@code data:} event per chunk, the usage chunk with empty {@code choices} only when
 * {@code stream_options.include_usage} is set, {@code data: [DONE]}), and its error bodies. Like vLLM it answers 404
 * for a model name it does not serve and 400 for a negative temperature or a request over its context length.
 *
 * <p>A stream whose request has {@code "user":"die"} ends after two events, without {@code [DONE]}.
 *
 * <p>Two servers in one: under {@code /v1/} it always works; under {@code /flaky/v1/} it answers vLLM's 500 while
 * {@link #failing} is set.
 */
final class VllmStub {

    static final String SERVED = "Qwen/Qwen1.5-MoE-A2.7B-Chat";
    static final String STABLE = "/v1/";
    static final String FLAKY = "/flaky/v1/";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    volatile boolean failing;
    /** When set, a stream whose request has {@code "user":"hold"} stops after its second event until it opens. */
    volatile CountDownLatch gate;

    private VllmStub(HttpServer server) {
        this.server = server;
    }

    static VllmStub start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            VllmStub stub = new VllmStub(server);
            for (String prefix : List.of(STABLE, FLAKY)) {
                stub.calls.put(prefix, new AtomicInteger());
                server.createContext(prefix, exchange -> stub.handle(prefix, exchange));
            }
            server.start();
            return stub;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String baseUrl(String prefix) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + prefix.substring(0, prefix.length() - 1);
    }

    int calls(String prefix) {
        return calls.get(prefix).get();
    }

    JsonNode lastRequest() {
        return requests.getLast();
    }

    static String fixture(String name) {
        try (InputStream in = VllmStub.class.getResourceAsStream("/vllm/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void handle(String prefix, HttpExchange exchange) throws IOException {
        try (exchange) {
            calls.get(prefix).incrementAndGet();
            JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
            requests.add(body);
            String endpoint = exchange.getRequestURI().getPath().substring(prefix.length());
            if (prefix.equals(FLAKY) && failing) {
                json(exchange, 500, fixture("error-500.json"));
                return;
            }
            String model = body.path("model").asString("");
            if (!model.equals(SERVED)) {
                json(exchange, 404, fixture("error-404-model.json").formatted(model));
                return;
            }
            if (body.path("temperature").isNumber() && body.get("temperature").doubleValue() < 0) {
                json(exchange, 400, fixture("error-400-temperature.json"));
                return;
            }
            if (body.path("max_tokens").asInt(0) > 4000) {
                json(exchange, 400, fixture("error-400-context.json"));
                return;
            }
            boolean chat = endpoint.equals("chat/completions");
            if (!chat && !endpoint.equals("completions")) {
                json(exchange, 404, "{\"detail\":\"Not Found\"}");
                return;
            }
            if (body.path("stream").asBoolean(false)) {
                stream(exchange, fixture(chat ? "chat-stream.sse" : "completion-stream.sse"),
                        body.path("stream_options").path("include_usage").asBoolean(false),
                        body.path("user").asString("").equals("hold"), body.path("user").asString("").equals("die"));
            } else {
                json(exchange, 200, fixture(chat ? "chat-completion.json" : "completion.json"));
            }
        }
    }

    private static void json(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.strip().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private void stream(HttpExchange exchange, String events, boolean includeUsage, boolean hold, boolean die)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        int sent = 0;
        for (String event : events.split("\n\n")) {
            if (event.isBlank() || (!includeUsage && event.contains("\"choices\":[]"))) {
                continue;
            }
            out.write((event + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            sent++;
            if (sent == 2 && die) {
                return; // the stream ends early, without [DONE], as when vLLM's process dies
            }
            if (sent == 2 && hold && gate != null) {
                try {
                    gate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
