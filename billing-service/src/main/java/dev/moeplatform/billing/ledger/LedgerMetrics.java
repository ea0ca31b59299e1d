package dev.moeplatform.billing.ledger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The ledger's meters. Tenant, team and model are bounded label sets (tenants and teams are configured by
 * administrators, models by the catalog); keys and request ids never become labels.
 */
@Component
public class LedgerMetrics {

    public static final String EVENTS = "platform.billing.events";
    public static final String TOKENS = "platform.billing.tokens";
    public static final String COST = "platform.billing.cost";
    public static final String REFERENCE_COST = "platform.billing.reference.cost";

    private final MeterRegistry registry;
    private final Counter ledgered;
    private final Counter duplicates;
    private final Counter deadLettered;

    LedgerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.ledgered = events("ledgered");
        this.duplicates = events("duplicate");
        this.deadLettered = events("dead_lettered");
    }

    private Counter events(String outcome) {
        return Counter.builder(EVENTS).description("Usage events consumed, by what became of them")
                .tag("outcome", outcome).register(registry);
    }

    void recorded(List<LedgerWriter.Added> added, long inserted, long duplicate, long deadLetter) {
        ledgered.increment(inserted);
        duplicates.increment(duplicate);
        deadLettered.increment(deadLetter);
        for (LedgerWriter.Added a : added) {
            Tags tags = Tags.of("tenant", a.tenant(), "team", a.team(), "model", a.model());
            Counter.builder(TOKENS).description("Tokens ledgered").baseUnit("tokens")
                    .tags(tags).tag("kind", "prompt").register(registry)
                    .increment(a.promptTokens());
            Counter.builder(TOKENS).description("Tokens ledgered").baseUnit("tokens")
                    .tags(tags).tag("kind", "completion").register(registry)
                    .increment(a.completionTokens());
            Counter.builder(COST).description("Cost of the ledgered usage at the price book's prices").baseUnit("usd")
                    .tags(tags).register(registry)
                    .increment(a.costUsd().doubleValue());
            Counter.builder(REFERENCE_COST)
                    .description("What the same tokens cost at the tenant's reference commercial model")
                    .baseUnit("usd").tags(tags).register(registry)
                    .increment(a.referenceCostUsd().doubleValue());
        }
    }
}
