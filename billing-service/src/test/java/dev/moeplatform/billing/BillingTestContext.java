package dev.moeplatform.billing;

import dev.moeplatform.testing.TestInfrastructure;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The one Spring context every billing integration test shares (see {@link BillingTest}): the real PostgreSQL
 * (database {@code billing_test}, recreated per run) and Kafka, with topics and a consumer group of this run's own so
 * that events of earlier runs on the same broker never reach it; short budget and webhook intervals.
 */
public class BillingTestContext implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    static final String RUN = Long.toString(System.currentTimeMillis(), 36);
    public static final String TOPIC = "usage.events.test-" + RUN;
    public static final String DEAD_LETTER_TOPIC = TOPIC + ".dlt";
    public static final String IDENTITY_SECRET = "billing-test-identity-secret-0123456789";
    public static final String WEBHOOK_SECRET = "billing-test-webhook-secret";

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        TestInfrastructure infra = TestInfrastructure.get();
        List<String> properties = new ArrayList<>();
        infra.registerPostgres((name, value) -> properties.add(name + "=" + value.get()), "billing_test");
        infra.registerKafka((name, value) -> properties.add(name + "=" + value.get()));
        properties.addAll(List.of(
                "platform.identity.secret=" + IDENTITY_SECRET,
                "platform.billing.ledger.topic=" + TOPIC,
                "platform.billing.ledger.dead-letter-topic=" + DEAD_LETTER_TOPIC,
                "spring.kafka.consumer.group-id=billing-test-" + RUN,
                "platform.billing.budgets.check-interval=300ms",
                "platform.billing.alerts.delivery-interval=200ms",
                "platform.billing.alerts.webhook-secret=" + WEBHOOK_SECRET));
        TestPropertyValues.of(properties).applyTo(context);
        if (context instanceof org.springframework.context.support.GenericApplicationContext beans) {
            beans.registerBean(BillingFixture.class);
        }
    }
}
