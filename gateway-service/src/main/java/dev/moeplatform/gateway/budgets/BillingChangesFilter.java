package dev.moeplatform.gateway.budgets;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * When budgets, prices or tenant settings change through this gateway, its cached copies are dropped at once, so the
 * change governs the very next call here; other replicas pick it up within their cache's refresh (5 s for budgets,
 * 30 s for prices).
 */
@Component
class BillingChangesFilter implements GlobalFilter, Ordered {

    private final BillingClient billing;

    BillingChangesFilter(BillingClient billing) {
        this.billing = billing;
    }

    @Override
    public int getOrder() {
        return 0;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (exchange.getRequest().getMethod() == HttpMethod.GET
                || !(path.startsWith("/admin/billing/") || path.startsWith("/v1/billing/"))) {
            return chain.filter(exchange);
        }
        return chain.filter(exchange).doOnSuccess(done -> {
            if (path.contains("/budgets")) {
                billing.forgetBudgets();
            } else {
                billing.forgetPricesAndSettings();
            }
        });
    }
}
