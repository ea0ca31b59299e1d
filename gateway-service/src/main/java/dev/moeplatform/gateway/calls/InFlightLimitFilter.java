package dev.moeplatform.gateway.calls;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Sheds load before it becomes memory: beyond {@code platform.gateway.max-in-flight} requests at once, the gateway
 * answers 503 with {@code Retry-After} at once instead of queueing without bound (a flood once took a small-heap
 * gateway out of memory in the benchmark). Probes and metrics are never shed.
 */
@Component
class InFlightLimitFilter implements WebFilter, Ordered {

    private final AtomicInteger inFlight = new AtomicInteger();
    private final int limit;

    InFlightLimitFilter(@Value("${platform.gateway.max-in-flight:2000}") int limit) {
        this.limit = limit;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 5; // after the request id, before authentication
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (exchange.getRequest().getPath().pathWithinApplication().value().startsWith("/actuator/")) {
            return chain.filter(exchange);
        }
        if (inFlight.incrementAndGet() > limit) {
            inFlight.decrementAndGet();
            exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
            return Mono.error(new ApiException(ApiError.of(503, "The gateway is at its limit of " + limit
                    + " requests in flight; retry shortly.", "gateway_overloaded")));
        }
        return chain.filter(exchange).doFinally(signal -> inFlight.decrementAndGet());
    }
}
