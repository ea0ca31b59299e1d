package dev.moeplatform.gateway.calls;

import dev.moeplatform.gateway.auth.ApiKeyAuthenticationFilter;
import dev.moeplatform.gateway.auth.Caller;
import dev.moeplatform.gateway.metering.MeteredCall;
import dev.moeplatform.gateway.metering.MeteringResponse;
import dev.moeplatform.gateway.metering.UsageEventPublisher;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.util.Set;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The governance of one model call ({@code POST} to chat completions, completions or embeddings): reads the body
 * once, checks that the key may use the model and that the call can be metered, asks a streaming upstream for its
 * usage chunk, forwards, and meters the call however it ends (one usage event each).
 */
@Component
class ModelCallFilter implements GlobalFilter, Ordered {

    static final Set<String> MODEL_PATHS = Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings");

    private final JsonMapper json;
    private final UsageEventPublisher publisher;

    ModelCallFilter(JsonMapper json, UsageEventPublisher publisher) {
        this.json = json;
        this.publisher = publisher;
    }

    @Override
    public int getOrder() {
        return ApiKeyAuthenticationFilter.ORDER + 10;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        String path = request.getPath().pathWithinApplication().value();
        if (request.getMethod() != HttpMethod.POST || !MODEL_PATHS.contains(path)) {
            return chain.filter(exchange);
        }
        return DataBufferUtils.join(request.getBody()).defaultIfEmpty(exchange.getResponse().bufferFactory()
                .wrap(new byte[0])).flatMap(buffer -> {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            DataBufferUtils.release(buffer);
            ModelCall call = ModelCall.parse(path, readJson(bytes));
            Caller caller = Caller.of(exchange);
            if (call.model() != null && !caller.key().allows(call.model())) {
                return Mono.error(new ApiException(new ApiError(403, "The model '" + call.model() + "' is not "
                        + "allowed for this API key (" + caller.key().display() + ").", "model",
                        "model_not_allowed")));
            }
            if (!publisher.hasRoom()) {
                return Mono.error(new ApiException(ApiError.of(503, "Usage metering is unavailable (the usage "
                        + "event buffer is full), so no model call can be accepted; try again shortly.",
                        "metering_unavailable")));
            }
            byte[] forwarded = bytes;
            boolean stripUsage = false;
            if (call.stream() && !call.clientWantsUsage() && call.body() != null) {
                // The stream's last chunk then carries the usage we meter; the client, who did not ask, never sees it.
                ObjectNode options = call.body().get("stream_options") instanceof ObjectNode given ? given
                        : call.body().putObject("stream_options");
                options.put("include_usage", true);
                forwarded = json.writeValueAsBytes(call.body());
                stripUsage = true;
            }
            MeteredCall metered = new MeteredCall(caller, call);
            ServerWebExchange meteredExchange = withBody(exchange, forwarded).mutate()
                    .response(new MeteringResponse(exchange.getResponse(), metered, stripUsage, json, response -> {
                    })).build();
            return chain.filter(meteredExchange)
                    .doOnSuccess(done -> metered.finish(MeteredCall.Outcome.SUCCESS, this::settle))
                    .doOnError(failed -> metered.finish(MeteredCall.Outcome.ERROR, this::settle))
                    .doOnCancel(() -> metered.finish(MeteredCall.Outcome.CANCELLED, this::settle));
        });
    }

    /** A call has ended: its usage event goes to Kafka. */
    private void settle(MeteredCall.Result result) {
        publisher.publish(result.event());
    }

    private JsonNode readJson(byte[] bytes) {
        try {
            return bytes.length == 0 ? null : json.readTree(bytes);
        } catch (JacksonException notJson) {
            return null; // forwarded as is: the upstream answers with its own 400
        }
    }

    /** The request with {@code body} as its (already read) body and a matching Content-Length. */
    static ServerWebExchange withBody(ServerWebExchange exchange, byte[] body) {
        ServerHttpRequest request = new ServerHttpRequestDecorator(exchange.getRequest()) {
            @Override
            public HttpHeaders getHeaders() {
                HttpHeaders headers = new HttpHeaders();
                headers.putAll(super.getHeaders());
                headers.remove(HttpHeaders.TRANSFER_ENCODING);
                headers.setContentLength(body.length);
                return headers;
            }

            @Override
            public Flux<DataBuffer> getBody() {
                return Flux.defer(() -> Flux.just(exchange.getResponse().bufferFactory().wrap(body)));
            }
        };
        return exchange.mutate().request(request).build();
    }
}
