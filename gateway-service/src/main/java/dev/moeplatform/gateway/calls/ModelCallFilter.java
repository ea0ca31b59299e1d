package dev.moeplatform.gateway.calls;

import dev.moeplatform.gateway.auth.ApiKeyAuthenticationFilter;
import dev.moeplatform.gateway.auth.Caller;
import dev.moeplatform.gateway.budgets.BillingClient;
import dev.moeplatform.gateway.budgets.BudgetGuard;
import dev.moeplatform.gateway.limits.RateLimitHeaders;
import dev.moeplatform.gateway.limits.RateLimits;
import dev.moeplatform.gateway.metering.MeteredCall;
import dev.moeplatform.gateway.metering.MeteringResponse;
import dev.moeplatform.gateway.metering.UsageEventPublisher;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The governance of one model call ({@code POST} to chat completions, completions or embeddings), in order: read the
 * body once; the key may use the model (403); the call can be metered (503); the key's and tenant's rate limits
 * (429 with {@code x-ratelimit-*}); the budgets (worst case reserved, 429 {@code insufficient_quota}); then forward,
 * asking a streaming upstream for its usage chunk. However the call ends, it is settled once: one usage event to
 * Kafka, its actual tokens off the tokens-per-minute buckets, its actual cost in place of the reservation.
 */
@Component
class ModelCallFilter implements GlobalFilter, Ordered {

    static final Set<String> MODEL_PATHS = Set.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings");
    static final String COST_HEADER = "x-platform-cost-usd";
    static final String REFERENCE_COST_HEADER = "x-platform-reference-cost-usd";
    static final String REFERENCE_MODEL_HEADER = "x-platform-reference-model";

    private final JsonMapper json;
    private final UsageEventPublisher publisher;
    private final RateLimits limits;
    private final BudgetGuard budgets;
    private final BillingClient billing;
    private final long defaultMaxTokens;
    private final GatewayMetrics metrics;

    ModelCallFilter(JsonMapper json, UsageEventPublisher publisher, RateLimits limits, BudgetGuard budgets,
            BillingClient billing, @Value("${platform.gateway.budgets.default-max-tokens:4096}") long defaultMaxTokens,
            GatewayMetrics metrics) {
        this.metrics = metrics;
        this.json = json;
        this.publisher = publisher;
        this.limits = limits;
        this.budgets = budgets;
        this.billing = billing;
        this.defaultMaxTokens = defaultMaxTokens;
    }

    @Override
    public int getOrder() {
        return ApiKeyAuthenticationFilter.ORDER + 10;
    }

    /** Prices known when the call was admitted, for its cost headers. */
    private record Pricing(Map<String, BillingClient.Price> prices, String referenceModel) {
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        String path = request.getPath().pathWithinApplication().value();
        if (request.getMethod() != HttpMethod.POST || !MODEL_PATHS.contains(path)) {
            return chain.filter(exchange);
        }
        Caller caller = Caller.of(exchange);
        long arrived = System.nanoTime();
        String tenant = caller.key().tenant();
        return DataBufferUtils.join(request.getBody()).map(ModelCallFilter::bytes).defaultIfEmpty(new byte[0])
                .flatMap(bytes -> {
                    ModelCall call = ModelCall.parse(path, readJson(bytes));
                    if (call.model() == null) {
                        return chain.filter(withBody(exchange, bytes)); // the upstream answers with its 400
                    }
                    if (!caller.key().allows(call.model())) {
                        metrics.rejected(tenant, "model");
                        return Mono.error(new ApiException(new ApiError(403, "The model '" + call.model() + "' is "
                                + "not allowed for this API key (" + caller.key().display() + ").", "model",
                                "model_not_allowed")));
                    }
                    if (!publisher.hasRoom()) {
                        metrics.rejected(tenant, "metering");
                        return Mono.error(new ApiException(ApiError.of(503, "Usage metering is unavailable (the "
                                + "usage event buffer is full), so no model call can be accepted; try again shortly.",
                                "metering_unavailable")));
                    }
                    return limits.admit(caller.key()).flatMap(decision -> {
                        RateLimitHeaders.write(exchange.getResponse().getHeaders(), decision);
                        if (!decision.allowed()) {
                            metrics.rejected(tenant, "rate_limit");
                            return Mono.error(new ApiException(ApiError.of(429, "Rate limit reached for "
                                    + (decision.requests() != null && decision.requests().retryMs() > 0
                                    ? "requests" : "tokens") + " per minute of this API key or its tenant; retry after "
                                    + exchange.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER) + " s.",
                                    "rate_limit_exceeded")));
                        }
                        long maxTokens = call.endpoint().equals("embeddings") ? 0 : maxTokens(call.body());
                        return budgets.reserve(caller.key(), call.model(), bytes.length, maxTokens)
                                .doOnError(ApiException.class, refused -> metrics.rejected(tenant, "budget"))
                                .zipWith(pricing(caller))
                                .flatMap(admitted -> {
                                    metrics.overhead(System.nanoTime() - arrived);
                                    return forward(exchange, chain, caller, call, bytes, admitted.getT1(),
                                            admitted.getT2());
                                });
                    });
                });
    }

    private Mono<Pricing> pricing(Caller caller) {
        return Mono.zip(billing.prices(), billing.referenceModel(caller.key().tenant()).defaultIfEmpty(""))
                .map(t -> new Pricing(t.getT1(), t.getT2()));
    }

    private Mono<Void> forward(ServerWebExchange exchange, GatewayFilterChain chain, Caller caller, ModelCall call,
            byte[] bytes, BudgetGuard.Reservation reservation, Pricing pricing) {
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
                .response(new MeteringResponse(exchange.getResponse(), metered, stripUsage, json,
                        response -> costHeaders(response, metered, call.model(), pricing)))
                .build();
        java.util.function.Consumer<MeteredCall.Result> settle = result -> {
            settle(caller, call, reservation, pricing, result);
            var status = exchange.getResponse().getStatusCode();
            metrics.call(caller.key().tenant(), call.model(), result.event().outcome(),
                    status == null ? 0 : status.value());
        };
        return chain.filter(meteredExchange)
                .doOnSuccess(done -> metered.finish(MeteredCall.Outcome.SUCCESS, settle))
                .doOnError(failed -> metered.finish(MeteredCall.Outcome.ERROR, settle))
                .doOnCancel(() -> metered.finish(MeteredCall.Outcome.CANCELLED, settle));
    }

    /** On a JSON answer, before it is written: what it cost, and what it would have cost at the reference model. */
    private static void costHeaders(ServerHttpResponse response, MeteredCall metered, String model, Pricing pricing) {
        BillingClient.Price price = pricing.prices().get(model);
        MeteredCall.Tokens tokens = metered.tokens();
        if (price == null || tokens == null) {
            return;
        }
        response.getHeaders().set(COST_HEADER, usd(BudgetGuard.cost(price, tokens.prompt(), tokens.cached(),
                tokens.completion())));
        BillingClient.Price reference = pricing.prices().get(pricing.referenceModel());
        if (reference != null) {
            response.getHeaders().set(REFERENCE_MODEL_HEADER, pricing.referenceModel());
            response.getHeaders().set(REFERENCE_COST_HEADER, usd(BudgetGuard.cost(reference, tokens.prompt(),
                    tokens.cached(), tokens.completion())));
        }
    }

    /** A call has ended: its usage event goes to Kafka, its tokens to the limits, its cost to the budgets. */
    private void settle(Caller caller, ModelCall call, BudgetGuard.Reservation reservation, Pricing pricing,
            MeteredCall.Result result) {
        publisher.publish(result.event());
        long tokens = result.event().promptTokens() + result.event().completionTokens();
        BillingClient.Price price = pricing.prices().get(call.model());
        BigDecimal actual = price == null ? BigDecimal.ZERO : BudgetGuard.cost(price, result.event().promptTokens(),
                result.event().cachedTokens(), result.event().completionTokens());
        limits.debit(caller.key(), tokens).onErrorComplete().subscribe();
        budgets.settle(reservation, actual).onErrorComplete().subscribe();
    }

    private long maxTokens(ObjectNode body) {
        for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
            JsonNode value = body == null ? null : body.get(field);
            if (value != null && value.canConvertToLong() && value.asLong() > 0) {
                return value.asLong();
            }
        }
        return defaultMaxTokens;
    }

    private static String usd(BigDecimal amount) {
        return amount.setScale(6, RoundingMode.HALF_EVEN).toPlainString();
    }

    private static byte[] bytes(DataBuffer buffer) {
        byte[] bytes = new byte[buffer.readableByteCount()];
        buffer.read(bytes);
        DataBufferUtils.release(buffer);
        return bytes;
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
