package dev.moeplatform.gateway.auth;

import dev.moeplatform.gateway.keys.ApiKey;
import org.springframework.web.server.ServerWebExchange;

/** The authenticated caller of one request, kept on the exchange for the filters after authentication. */
public record Caller(ApiKey key, String requestId) {

    private static final String ATTRIBUTE = Caller.class.getName();

    public static Caller of(ServerWebExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE);
    }

    void attachTo(ServerWebExchange exchange) {
        exchange.getAttributes().put(ATTRIBUTE, this);
    }
}
