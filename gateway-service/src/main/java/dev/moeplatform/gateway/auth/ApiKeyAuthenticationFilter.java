package dev.moeplatform.gateway.auth;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.gateway.keys.KeyCache;
import dev.moeplatform.web.config.RequestIds;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Every routed request needs an API key ({@code Authorization: Bearer sk-moe-…}). A verified key becomes the signed
 * identity header the services trust; the key itself and any identity header the client sent are removed, so
 * neither a secret nor a forged identity ever reaches a service.
 */
@Component
public class ApiKeyAuthenticationFilter implements GlobalFilter, Ordered {

    /** First among the platform's filters; the routing filters come far later. */
    public static final int ORDER = -1000;

    private final KeyCache keys;
    private final IdentityHeader identities;

    ApiKeyAuthenticationFilter(KeyCache keys, IdentityHeader identities) {
        this.keys = keys;
        this.identities = identities;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        String authorization = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Mono.error(new ApiException(ApiError.of(401, "You didn't provide an API key. Send it as "
                    + "'Authorization: Bearer sk-moe-…'; an administrator creates keys under /admin/keys.",
                    "missing_api_key")));
        }
        return keys.verify(authorization.substring(7).trim()).flatMap(key -> {
            String requestId = exchange.getAttribute(RequestIds.ATTRIBUTE);
            Caller caller = new Caller(key, requestId);
            caller.attachTo(exchange);
            String identity = identities.sign(new PlatformIdentity(key.tenant(), key.team(), key.id(),
                    requestId == null ? "none" : requestId, PlatformIdentity.Role.TENANT));
            ServerWebExchange forwarded = exchange.mutate().request(r -> r.headers(h -> {
                h.remove(HttpHeaders.AUTHORIZATION);
                h.set(IdentityHeader.NAME, identity);
            })).build();
            return chain.filter(forwarded);
        });
    }
}
