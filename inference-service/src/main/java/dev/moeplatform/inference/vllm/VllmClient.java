package dev.moeplatform.inference.vllm;

import dev.moeplatform.contracts.errors.OpenAiError;
import dev.moeplatform.inference.completions.FlushingStreams;
import dev.moeplatform.inference.models.ModelCatalogProperties;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Forwards chat completions and completions to vLLM's OpenAI-compatible server (JDK {@link HttpClient}) and answers
 * the client in our own shapes: vLLM's JSON with {@code model} set to our model id, its stream re-framed event by
 * event as our own streams are framed ({@code data: <json>\n\n}, then {@code data: [DONE]\n\n}), its errors as our
 * OpenAI error objects.
 *
 * <p>Nothing reaches the client before vLLM's first chunk (streaming) or its whole answer: until then a failure is
 * thrown ({@link BackendFailure} for vLLM's own failures, a plain {@link ApiException} with vLLM's status and
 * message for errors the request caused), so the router may still try another backend.
 */
@Component
public class VllmClient implements DisposableBean {

    static final String BACKEND_HEADER = "x-platform-backend";
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final int MAX_QUOTED_MESSAGE = 500;

    private final VllmProperties properties;
    private final Map<String, ModelCatalogProperties.Model> models = new HashMap<>();
    private final JsonMapper json;
    private final VllmUsage usage;
    private final HttpClient http;
    private final ScheduledThreadPoolExecutor alarms;

    public VllmClient(VllmProperties properties, ModelCatalogProperties catalog, JsonMapper json, VllmUsage usage) {
        this.properties = properties;
        catalog.models().forEach(model -> models.putIfAbsent(model.id(), model));
        this.json = json;
        this.usage = usage;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(properties.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.alarms = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("vllm-read-timeout").factory());
        alarms.setRemoveOnCancelPolicy(true);
    }

    /** Where vLLM serves this model; empty when no vLLM server is configured for it. */
    Optional<VllmTarget> target(String modelId) {
        ModelCatalogProperties.Model entry = models.get(modelId);
        URI baseUrl = entry != null && entry.vllmBaseUrl() != null ? entry.vllmBaseUrl() : properties.baseUrl();
        if (baseUrl == null) {
            return Optional.empty();
        }
        String name = entry != null && entry.vllmModel() != null && !entry.vllmModel().isBlank()
                ? entry.vllmModel() : modelId;
        return Optional.of(new VllmTarget(modelId, name, baseUrl));
    }

    /**
     * Sends the request body (a JSON object, as the client sent it) to vLLM with {@code model} set to vLLM's name
     * for the model and, when streaming, {@code stream_options.include_usage} set.
     */
    ResponseEntity<StreamingResponseBody> forward(VllmTarget target, VllmEndpoint endpoint, JsonNode body) {
        ObjectNode request = (ObjectNode) body.deepCopy();
        request.put("model", target.servedName());
        JsonNode streamField = request.get("stream");
        boolean stream = streamField != null && streamField.isBoolean() && streamField.booleanValue();
        boolean clientWantsUsage = false;
        if (stream) {
            JsonNode options = request.get("stream_options");
            if (options == null || options.isNull()) {
                options = request.putObject("stream_options");
            }
            if (options.isObject()) { // anything else: vLLM refuses it with a 400, as it should be
                JsonNode include = options.get("include_usage");
                clientWantsUsage = include != null && include.isBoolean() && include.booleanValue();
                ((ObjectNode) options).put("include_usage", true);
            }
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(target.uri(endpoint))
                .timeout(properties.readTimeout())
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(request)));
        if (properties.apiKey() != null && !properties.apiKey().isBlank()) {
            builder.header("Authorization", "Bearer " + properties.apiKey());
        }
        HttpResponse<InputStream> response = send(target, builder.build());
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            byte[] errorBody;
            try (InputStream in = response.body()) {
                errorBody = withinReadTimeout(in, () -> in.readNBytes(MAX_ERROR_BODY));
            } catch (IOException e) {
                errorBody = new byte[0];
            }
            throw error(target, status, errorBody);
        }
        return stream ? streamed(target, response.body(), clientWantsUsage) : whole(target, response.body());
    }

    // ---- sending -------------------------------------------------------------------------------------------------

    private HttpResponse<InputStream> send(VllmTarget target, HttpRequest request) {
        for (int attempt = 0; ; attempt++) {
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpConnectTimeoutException | ConnectException e) {
                // No connection, so no byte of the request was sent: safe to try again.
                if (attempt >= properties.retries()) {
                    throw new BackendFailure(503, "The vLLM server for model '" + target.modelId() + "' cannot be "
                            + "reached (" + (e instanceof HttpConnectTimeoutException ? "no connection within "
                            + properties.connectTimeout().toMillis() + " ms" : "connection refused") + ", "
                            + (attempt + 1) + (attempt == 0 ? " attempt" : " attempts") + ").", "unreachable");
                }
            } catch (HttpTimeoutException e) {
                throw readTimeout(target);
            } catch (IOException e) {
                throw new BackendFailure(502, "The connection to the vLLM server for model '" + target.modelId()
                        + "' failed: " + e.getMessage(), "failed");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackendFailure(503, "The server is shutting down.", "interrupted");
            }
        }
    }

    private BackendFailure readTimeout(VllmTarget target) {
        return new BackendFailure(503, "The vLLM server for model '" + target.modelId() + "' did not answer within "
                + properties.readTimeout().toMillis() + " ms.", "timeout");
    }

    private interface IoCall<T> {
        T call() throws IOException;
    }

    /** Runs a blocking read; if it takes longer than the read timeout the stream is closed and the read fails. */
    private <T> T withinReadTimeout(Closeable upstream, IoCall<T> read) throws IOException {
        AtomicBoolean fired = new AtomicBoolean();
        ScheduledFuture<?> alarm = alarms.schedule(() -> {
            fired.set(true);
            closeQuietly(upstream);
        }, properties.readTimeout().toNanos(), TimeUnit.NANOSECONDS);
        try {
            return read.call();
        } catch (IOException e) {
            throw fired.get() ? new HttpTimeoutException("no data within the read timeout") : e;
        } finally {
            alarm.cancel(false);
        }
    }

    // ---- answers -------------------------------------------------------------------------------------------------

    private ResponseEntity<StreamingResponseBody> whole(VllmTarget target, InputStream in) {
        byte[] bytes;
        try (in) {
            bytes = withinReadTimeout(in, in::readAllBytes);
        } catch (HttpTimeoutException e) {
            throw readTimeout(target);
        } catch (IOException e) {
            throw new BackendFailure(502, "The vLLM server for model '" + target.modelId() + "' broke off its "
                    + "answer: " + e.getMessage(), "failed");
        }
        JsonNode answer = parse(bytes);
        if (answer == null || !answer.isObject()) {
            throw malformed(target);
        }
        ObjectNode object = (ObjectNode) answer;
        object.put("model", target.modelId());
        recordUsage(target, object.get("usage"));
        byte[] out = json.writeValueAsBytes(object);
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).contentLength(out.length)
                .header(BACKEND_HEADER, "vllm").body(stream -> stream.write(out));
    }

    private ResponseEntity<StreamingResponseBody> streamed(VllmTarget target, InputStream in,
            boolean clientWantsUsage) {
        SseReader events = new SseReader(in);
        String first;
        try {
            first = nextEvent(target, events);
            if (first == null) {
                throw new BackendFailure(502, "The vLLM server for model '" + target.modelId() + "' ended its "
                        + "stream without a chunk.", "failed");
            }
            if (!first.equals("[DONE]")) {
                JsonNode node = parse(first.getBytes(StandardCharsets.UTF_8));
                if (node == null || !node.isObject()) {
                    throw malformed(target);
                }
                if (isError(node)) {
                    throw streamError(target, node);
                }
            }
        } catch (RuntimeException e) {
            closeQuietly(events);
            throw e;
        }
        StreamingResponseBody body = FlushingStreams.body(out -> {
            try (events) {
                pump(target, events, first, clientWantsUsage, out);
            } catch (IOException clientGone) {
                // Closing the upstream stream (above) cancels the exchange; vLLM aborts the request.
            }
        });
        return ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).cacheControl(CacheControl.noCache())
                .header(BACKEND_HEADER, "vllm").body(body);
    }

    /** Passes events on as they arrive; IOException only for writes to the client. */
    private void pump(VllmTarget target, SseReader events, String first, boolean clientWantsUsage, OutputStream out)
            throws IOException {
        String data = first;
        while (true) {
            if (data == null) {
                writeError(out, new ApiError(502, "The vLLM server for model '" + target.modelId() + "' ended its "
                        + "stream early.", null, "backend_unavailable"));
                return;
            }
            if (data.equals("[DONE]")) {
                out.write(DONE);
                out.flush();
                return;
            }
            JsonNode node = parse(data.getBytes(StandardCharsets.UTF_8));
            if (node == null || !node.isObject()) {
                writeError(out, malformed(target).error());
                return;
            }
            if (isError(node)) {
                writeError(out, streamError(target, node).error());
                return;
            }
            byte[] chunk = rechunk(target, (ObjectNode) node, clientWantsUsage);
            if (chunk != null) {
                out.write(DATA);
                out.write(chunk);
                out.write(END);
                out.flush();
            }
            try {
                data = nextEvent(target, events);
            } catch (BackendFailure upstream) {
                writeError(out, upstream.error());
                return;
            }
        }
    }

    /** vLLM's chunk as it sent it, with our model id; its usage chunk kept only if the client asked for usage. */
    private byte[] rechunk(VllmTarget target, ObjectNode chunk, boolean clientWantsUsage) {
        if (chunk.has("model")) {
            chunk.put("model", target.modelId());
        }
        JsonNode choices = chunk.get("choices");
        boolean usageChunk = choices != null && choices.isArray() && choices.isEmpty();
        if (usageChunk) {
            recordUsage(target, chunk.get("usage"));
        }
        if (!clientWantsUsage) {
            if (usageChunk) {
                return null;
            }
            chunk.remove("usage");
        }
        return json.writeValueAsBytes(chunk);
    }

    private String nextEvent(VllmTarget target, SseReader events) {
        try {
            return withinReadTimeout(events, events::next);
        } catch (HttpTimeoutException e) {
            throw readTimeout(target);
        } catch (IOException e) {
            throw new BackendFailure(502, "The vLLM server for model '" + target.modelId() + "' broke off its "
                    + "stream: " + e.getMessage(), "failed");
        }
    }

    private void recordUsage(VllmTarget target, JsonNode node) {
        if (node != null && node.isObject() && node.path("prompt_tokens").isNumber()) {
            usage.record(target.modelId(), node.path("prompt_tokens").longValue(),
                    node.path("completion_tokens").isNumber() ? node.path("completion_tokens").longValue() : 0);
        }
    }

    private void writeError(OutputStream out, ApiError error) throws IOException {
        out.write(DATA);
        out.write(json.writeValueAsBytes(OpenAiError.of(error.status(), error.message(), error.param(),
                error.code())));
        out.write(END);
        out.flush();
    }

    // ---- errors --------------------------------------------------------------------------------------------------

    /**
     * vLLM's error answer as ours. vLLM writes {@code {"object":"error","message","type","param","code":<status>}},
     * newer releases {@code {"error":{"message","type","param","code"}}}; both are read.
     */
    ApiException error(VllmTarget target, int status, byte[] body) {
        JsonNode node = parse(body);
        JsonNode error = node != null && node.path("error").isObject() ? node.get("error") : node;
        String message = error != null && error.path("message").isString() ? error.get("message").stringValue()
                : "HTTP " + status + (body.length > 0 ? ": " + quote(new String(body, StandardCharsets.UTF_8)) : "");
        if (causedByTheRequest(status)) {
            String param = error != null && error.path("param").isString() ? error.get("param").stringValue() : null;
            String code = error != null && error.path("code").isString() ? error.get("code").stringValue() : null;
            return new ApiException(new ApiError(status, message, param, code));
        }
        if (status == 408 || status == 429) {
            return new BackendFailure(503, "The vLLM server for model '" + target.modelId() + "' is busy (HTTP "
                    + status + "): " + quote(message), "busy");
        }
        return new BackendFailure(502, "The vLLM server for model '" + target.modelId() + "' failed (HTTP " + status
                + "): " + quote(message), status >= 500 ? "failed" : "refused");
    }

    /**
     * 4xx that the request caused (invalid field, too long for the context...). Not: 401/403 (our API key), 404
     * (vLLM does not serve the name we sent: our configuration), 408/429 (vLLM is busy).
     */
    static boolean causedByTheRequest(int status) {
        return status >= 400 && status < 500 && status != 401 && status != 403 && status != 404 && status != 408
                && status != 429;
    }

    private static boolean isError(JsonNode node) {
        return node.path("error").isObject() || "error".equals(node.path("object").asString(""));
    }

    /** An error event in vLLM's stream ({@code code} holds the HTTP status it stands for). */
    private ApiException streamError(VllmTarget target, JsonNode node) {
        JsonNode error = node.path("error").isObject() ? node.get("error") : node;
        int status = error.path("code").isInt() && error.get("code").intValue() >= 400
                && error.get("code").intValue() <= 599 ? error.get("code").intValue() : 500;
        return error(target, status, json.writeValueAsBytes(error));
    }

    private BackendFailure malformed(VllmTarget target) {
        return new BackendFailure(502, "The vLLM server for model '" + target.modelId() + "' answered with "
                + "something other than OpenAI's JSON.", "failed");
    }

    private JsonNode parse(byte[] bytes) {
        try {
            return bytes.length == 0 ? null : json.readTree(bytes);
        } catch (JacksonException e) {
            return null;
        }
    }

    private static String quote(String message) {
        return message.length() <= MAX_QUOTED_MESSAGE ? message : message.substring(0, MAX_QUOTED_MESSAGE) + "...";
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    @Override
    public void destroy() {
        alarms.shutdownNow();
        http.close();
    }
}
