package dev.moeplatform.gateway.auth;

import dev.moeplatform.gateway.GatewayProperties;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * {@code /admin/**} needs the administrator's credential ({@code GATEWAY_ADMIN_TOKEN} as a bearer token), which is
 * not an API key: keys never reach the admin API and the admin token never reaches a model. Without a configured
 * token the admin API is closed.
 */
@Component
class AdminAuthenticationFilter implements WebFilter, Ordered {

    private final byte[] token;

    AdminAuthenticationFilter(GatewayProperties properties) {
        String configured = properties.adminToken();
        this.token = configured.length() >= GatewayProperties.MIN_ADMIN_TOKEN_LENGTH
                ? configured.getBytes(StandardCharsets.UTF_8) : null;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 10; // after the request id, before everything else
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (!path.equals("/admin") && !path.startsWith("/admin/")) {
            return chain.filter(exchange);
        }
        if (token == null) {
            return Refusals.refuse(exchange, new ApiException(ApiError.of(401, "The admin API is closed: set GATEWAY_ADMIN_TOKEN "
                    + "(at least " + GatewayProperties.MIN_ADMIN_TOKEN_LENGTH + " characters) on the gateway.",
                    "admin_disabled")));
        }
        String authorization = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        byte[] presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(presented, token)) {
            return Refusals.refuse(exchange, new ApiException(ApiError.of(401, "The admin API needs the administrator's token as "
                    + "'Authorization: Bearer <GATEWAY_ADMIN_TOKEN>'.", "invalid_admin_token")));
        }
        return chain.filter(exchange);
    }
}
