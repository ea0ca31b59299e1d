package dev.moeplatform.gateway.metering;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads the usage of a model call off its response on the way to the client. Server-sent events pass through event
 * by event as they arrive (never the whole stream); the final usage chunk the gateway asked for on the client's
 * behalf is removed when the client did not ask for it. A JSON answer is read whole (it is one object), so that
 * cost headers can be set before it is written.
 */
public final class MeteringResponse extends ServerHttpResponseDecorator {

    /** The largest non-streamed answer the gateway relays (embeddings of many inputs are the big ones). */
    static final int MAX_JSON_RESPONSE_BYTES = 32 * 1024 * 1024;

    private final MeteredCall metered;
    private final boolean stripUsageChunk;
    private final JsonMapper json;
    private final Consumer<ServerHttpResponse> beforeJsonCommit;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /**
     * @param beforeJsonCommit sets headers that depend on the usage (cost), once a JSON answer has been read
     */
    public MeteringResponse(ServerHttpResponse delegate, MeteredCall metered, boolean stripUsageChunk, JsonMapper json,
            Consumer<ServerHttpResponse> beforeJsonCommit) {
        super(delegate);
        this.metered = metered;
        this.stripUsageChunk = stripUsageChunk;
        this.json = json;
        this.beforeJsonCommit = beforeJsonCommit;
    }

    private void started() {
        HttpHeaders headers = getHeaders();
        metered.responseStarted(getStatusCode() == null ? 0 : getStatusCode().value(),
                headers.getFirst(MeteredCall.BACKEND_HEADER), headers.getFirst(MeteredCall.PROMPT_TOKENS_HEADER));
        headers.remove(MeteredCall.PROMPT_TOKENS_HEADER);
    }

    private boolean eventStream() {
        MediaType type = getHeaders().getContentType();
        return type != null && MediaType.TEXT_EVENT_STREAM.isCompatibleWith(type);
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
        started();
        if (eventStream()) {
            return super.writeWith(observed(Flux.from(body).concatMap(this::events)));
        }
        return DataBufferUtils.join(Flux.from(body), MAX_JSON_RESPONSE_BYTES).flatMap(joined -> {
            byte[] bytes = new byte[joined.readableByteCount()];
            joined.read(bytes);
            DataBufferUtils.release(joined);
            JsonNode answer = parse(bytes);
            if (answer != null && answer.get("usage") != null && answer.get("usage").isObject()) {
                metered.usage(answer.get("usage"));
            }
            beforeJsonCommit.accept(getDelegate());
            return super.writeWith(Mono.just(bufferFactory().wrap(bytes)));
        });
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        started();
        return super.writeAndFlushWith(observed(Flux.from(body)
                .map(chunk -> Flux.from(chunk).concatMap(this::events).doOnCancel(metered::bodyCancelled))));
    }

    /** A client that goes away cancels the body (and through it the upstream); the meter must know. */
    private <T> Flux<T> observed(Flux<T> body) {
        return body.doOnCancel(metered::bodyCancelled).doOnComplete(metered::bodyCompleted);
    }

    /** The complete events in this piece of the stream, minus a usage chunk to strip; the rest waits for more. */
    private Flux<DataBuffer> events(DataBuffer piece) {
        byte[] bytes = new byte[piece.readableByteCount()];
        piece.read(bytes);
        DataBufferUtils.release(piece);
        pending.writeBytes(bytes);
        byte[] all = pending.toByteArray();
        ByteArrayOutputStream forward = new ByteArrayOutputStream();
        int start = 0;
        for (int i = 0; i + 1 < all.length; i++) {
            if (all[i] == '\n' && all[i + 1] == '\n') {
                int end = i + 2;
                String kept = keep(new String(all, start, end - start, StandardCharsets.UTF_8));
                if (kept != null) {
                    forward.writeBytes(kept.getBytes(StandardCharsets.UTF_8));
                }
                start = end;
                i = end - 1;
            }
        }
        pending.reset();
        pending.write(all, start, all.length - start);
        return forward.size() == 0 ? Flux.empty() : Flux.just(bufferFactory().wrap(forward.toByteArray()));
    }

    /**
     * Observes one event and returns what the client gets: null for the usage-only chunk it did not ask for, and
     * without the {@code "usage": null} member that asking for usage adds to every other chunk.
     */
    private String keep(String event) {
        if (!event.startsWith("data: {")) {
            return event;
        }
        JsonNode data = parse(event.substring(6).trim().getBytes(StandardCharsets.UTF_8));
        if (data == null) {
            return event;
        }
        JsonNode usage = data.get("usage");
        JsonNode choices = data.get("choices");
        if (usage != null && usage.isObject()) {
            metered.usage(usage);
            if (stripUsageChunk && choices != null && choices.isArray() && choices.isEmpty()) {
                return null;
            }
        }
        if (choices != null) {
            for (JsonNode choice : choices) {
                JsonNode text = choice.has("delta") ? choice.path("delta").path("content") : choice.path("text");
                if (text.isString() && !text.asString().isEmpty()) {
                    metered.contentChunk();
                }
            }
        }
        if (stripUsageChunk && data instanceof ObjectNode object && object.has("usage")) {
            object.remove("usage");
            return "data: " + json.writeValueAsString(object) + "\n\n";
        }
        return event;
    }

    private JsonNode parse(byte[] bytes) {
        try {
            return json.readTree(bytes);
        } catch (JacksonException notJson) {
            return null;
        }
    }
}
