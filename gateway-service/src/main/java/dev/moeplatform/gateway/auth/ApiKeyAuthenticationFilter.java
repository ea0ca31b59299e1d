package dev.moeplatform.gateway.auth;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.gateway.keys.ApiKey;
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
 * Every routed request needs an API key ({@code Authorization: Bearer sk-moe-…}), or, from a platform service calling
 * on a tenant's behalf, that tenant's validly signed identity. A verified key becomes the signed identity header the
 * services trust; the key itself and any identity header the client sent are removed, so neither a secret nor a
 * forged identity ever reaches a service.
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
        if (exchange.getRequest().getPath().pathWithinApplication().value().startsWith("/admin/")) {
            // Admin routes: the admin filter has checked the admin token already; services get an admin identity.
            return chain.filter(signed(exchange, new PlatformIdentity("platform", "admin", "admin-token",
                    requestId(exchange), PlatformIdentity.Role.ADMIN)));
        }
        PlatformIdentity onBehalfOf = internalCaller(exchange);
        if (onBehalfOf != null) {
            return keys.usable(onBehalfOf.keyId(), onBehalfOf.tenant())
                    .onErrorResume(ApiException.class, refused -> Refusals.refuse(exchange, refused))
                    .flatMap(key -> authenticated(exchange, chain, key));
        }
        String authorization = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Refusals.refuse(exchange, new ApiException(ApiError.of(401, "You didn't provide an API key. Send "
                    + "it as 'Authorization: Bearer sk-moe-…'; an administrator creates keys under /admin/keys.",
                    "missing_api_key")));
        }
        return keys.verify(authorization.substring(7).trim())
                .onErrorResume(ApiException.class, refused -> Refusals.refuse(exchange, refused))
                .flatMap(key -> authenticated(exchange, chain, key));
    }

    private Mono<Void> authenticated(ServerWebExchange exchange, GatewayFilterChain chain, ApiKey key) {
        new Caller(key, exchange.getAttribute(RequestIds.ATTRIBUTE)).attachTo(exchange);
        return chain.filter(signed(exchange, new PlatformIdentity(key.tenant(), key.team(), key.id(),
                requestId(exchange), PlatformIdentity.Role.TENANT)));
    }

    /**
     * A platform service calling a model on a tenant's behalf (rag-service's embeddings and answers) presents that
     * tenant's identity, signed with the secret only the services hold, instead of an API key. The call is then the
     * key's own: its allowed models, limits and budgets apply, and it is metered to its tenant. A header that does
     * not verify is ignored here (and replaced below), so a client cannot use a forged or expired one.
     */
    private PlatformIdentity internalCaller(ServerWebExchange exchange) {
        String header = exchange.getRequest().getHeaders().getFirst(IdentityHeader.NAME);
        if (header == null) {
            return null;
        }
        try {
            PlatformIdentity identity = identities.verify(header);
            return identity.role() == PlatformIdentity.Role.TENANT ? identity : null;
        } catch (IdentityHeader.InvalidIdentityException forged) {
            return null;
        }
    }

    private static String requestId(ServerWebExchange exchange) {
        String id = exchange.getAttribute(RequestIds.ATTRIBUTE);
        return id == null ? "none" : id;
    }

    /** The request as forwarded: the credential removed, the signed identity in place of any the client sent. */
    private ServerWebExchange signed(ServerWebExchange exchange, PlatformIdentity identity) {
        String header = identities.sign(identity);
        return exchange.mutate().request(r -> r.headers(h -> {
            h.remove(HttpHeaders.AUTHORIZATION);
            h.set(IdentityHeader.NAME, header);
        })).build();
    }
}
