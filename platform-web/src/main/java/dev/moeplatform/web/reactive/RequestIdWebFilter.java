package dev.moeplatform.web.reactive;

import dev.moeplatform.contracts.http.PlatformHeaders;
import dev.moeplatform.web.config.RequestIds;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Gives every request an id, sets it on the request itself (so a proxying service forwards it upstream) and on the
 * response. An id sent by the client is kept when it is plain enough to log.
 */
public class RequestIdWebFilter implements WebFilter, Ordered {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String requestId = RequestIds.acceptOrCreate(
                exchange.getRequest().getHeaders().getFirst(PlatformHeaders.REQUEST_ID));
        exchange.getAttributes().put(RequestIds.ATTRIBUTE, requestId);
        // Set just before commit: a proxied response brings the upstream's copy of the header, which must not
        // appear twice.
        exchange.getResponse().beforeCommit(() -> {
            exchange.getResponse().getHeaders().set(PlatformHeaders.REQUEST_ID, requestId);
            return Mono.empty();
        });
        ServerWebExchange withId = exchange.mutate()
                .request(r -> r.headers(h -> h.set(PlatformHeaders.REQUEST_ID, requestId)))
                .build();
        return chain.filter(withId);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
