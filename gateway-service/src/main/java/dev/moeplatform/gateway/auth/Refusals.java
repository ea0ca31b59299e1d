package dev.moeplatform.gateway.auth;

import dev.moeplatform.web.errors.ApiException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Refusing a request before its body was read: the body is read and dropped first (it is already bounded by the body
 * size limit), so that the client's kept-alive connection is left clean for its next request instead of holding
 * unread bytes — a client reusing such a connection could wait for an answer that never comes.
 */
final class Refusals {

    private Refusals() {
    }

    static <T> Mono<T> refuse(ServerWebExchange exchange, ApiException refusal) {
        return exchange.getRequest().getBody().doOnNext(DataBufferUtils::release).then(Mono.error(refusal));
    }
}
