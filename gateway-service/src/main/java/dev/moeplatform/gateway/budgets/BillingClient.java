package dev.moeplatform.gateway.budgets;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * What the gateway needs from billing-service, cached: the price of every model now (refreshed every 30 s), the
 * month's budgets with their spend (every 5 s), and each tenant's reference model (every 60 s). A refresh that fails
 * keeps the last answer; until billing has answered once, no price or budget is known.
 */
@Component
public class BillingClient {

    /** A model's current price, USD per 1M tokens. */
    public record Price(BigDecimal input, BigDecimal cachedInput, BigDecimal output) {
    }

    /** One budget this month: {@code team} null covers the whole tenant. */
    public record Budget(String tenant, String team, BigDecimal limitUsd, BigDecimal spentUsd) {
    }

    private record Cached<T>(T value, Instant fetchedAt) {
    }

    private static final Duration PRICES_TTL = Duration.ofSeconds(30);
    private static final Duration BUDGETS_TTL = Duration.ofSeconds(5);
    private static final Duration SETTINGS_TTL = Duration.ofSeconds(60);
    private static final Logger log = LoggerFactory.getLogger(BillingClient.class);

    private final WebClient billing;
    private final IdentityHeader identities;
    private final AtomicReference<Cached<Map<String, Price>>> prices = new AtomicReference<>();
    private final AtomicReference<Cached<List<Budget>>> budgets = new AtomicReference<>();
    private final Map<String, Cached<String>> referenceModels = new ConcurrentHashMap<>();

    BillingClient(@Value("${BILLING_URL:http://127.0.0.1:8083}") String billingUrl, IdentityHeader identities) {
        this.billing = WebClient.builder().baseUrl(billingUrl).build();
        this.identities = identities;
    }

    private String adminIdentity() {
        return identities.sign(new PlatformIdentity("platform", "gateway", "gateway", "gateway-"
                + UUID.randomUUID(), PlatformIdentity.Role.ADMIN));
    }

    private Mono<JsonNode> get(String path) {
        return billing.get().uri(path).header(IdentityHeader.NAME, adminIdentity()).retrieve()
                .bodyToMono(JsonNode.class).timeout(Duration.ofSeconds(3));
    }

    public Mono<Map<String, Price>> prices() {
        return cached(prices, PRICES_TTL, get("/v1/billing/prices/current").map(json -> {
            Map<String, Price> byModel = new HashMap<>();
            for (JsonNode version : json) {
                byModel.put(version.get("model").asString(), new Price(decimal(version, "inputPerMillion"),
                        decimal(version, "cachedInputPerMillion"), decimal(version, "outputPerMillion")));
            }
            return Map.copyOf(byModel);
        }), Map.of());
    }

    public Mono<List<Budget>> budgets() {
        return cached(budgets, BUDGETS_TTL, get("/v1/billing/budgets/status").map(json -> {
            List<Budget> all = new java.util.ArrayList<>();
            for (JsonNode status : json) {
                JsonNode team = status.get("team");
                all.add(new Budget(status.get("tenant").asString(), team == null || team.isNull() ? null
                        : team.asString(), decimal(status, "limitUsd"), decimal(status, "spentUsd")));
            }
            return List.copyOf(all);
        }), List.of());
    }

    /** Forgets the budgets (this replica), so that a budget an administrator just set applies to the next call. */
    public void forgetBudgets() {
        budgets.set(null);
    }

    /** Forgets prices and a tenant's settings, after an administrator changed them through this replica. */
    public void forgetPricesAndSettings() {
        prices.set(null);
        referenceModels.clear();
    }

    /** The tenant's reference commercial model, or null while unknown. */
    public Mono<String> referenceModel(String tenant) {
        Cached<String> known = referenceModels.get(tenant);
        Mono<String> fetch = get("/v1/billing/tenants/" + tenant + "/settings")
                .map(json -> json.get("referenceModel").asString())
                .onErrorResume(e -> Mono.just(known == null ? "" : known.value())) // "" = unknown, for a TTL
                .doOnNext(model -> referenceModels.put(tenant, new Cached<>(model, Instant.now())));
        if (known == null) {
            return fetch.filter(model -> !model.isEmpty());
        }
        if (known.fetchedAt().plus(SETTINGS_TTL).isBefore(Instant.now()) && refreshing.add("settings:" + tenant)) {
            fetch.doFinally(signal -> refreshing.remove("settings:" + tenant)).subscribe();
        }
        return Mono.just(known.value()).filter(model -> !model.isEmpty());
    }

    /**
     * The cached value, refreshed in the background once stale (a call never waits for billing-service when a value
     * is known); only the very first call, or one after {@link #forgetBudgets}, waits for the fetch. A failed fetch
     * keeps the last value.
     */
    private <T> Mono<T> cached(AtomicReference<Cached<T>> cache, Duration ttl, Mono<T> fetch, T none) {
        Cached<T> current = cache.get();
        Mono<T> refresh = fetch.doOnNext(value -> cache.set(new Cached<>(value, Instant.now())))
                .onErrorResume(e -> {
                    T last = current == null ? none : current.value();
                    cache.set(new Cached<>(last, Instant.now())); // retried after a TTL, not on every call
                    log.warn("billing-service did not answer ({}); using the last known values", e.toString());
                    return Mono.just(last);
                });
        if (current == null) {
            return refresh;
        }
        if (current.fetchedAt().plus(ttl).isBefore(Instant.now()) && refreshing.add(cache)) {
            refresh.doFinally(signal -> refreshing.remove(cache)).subscribe();
        }
        return Mono.just(current.value());
    }

    /** Caches with a background refresh in flight, so that a burst of calls starts one refresh, not hundreds. */
    private final java.util.Set<Object> refreshing = ConcurrentHashMap.newKeySet();

    private static BigDecimal decimal(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : new BigDecimal(value.asString());
    }
}
