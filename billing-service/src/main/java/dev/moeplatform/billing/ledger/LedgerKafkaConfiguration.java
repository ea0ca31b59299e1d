package dev.moeplatform.billing.ledger;

import dev.moeplatform.billing.BillingProperties;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

/** The ledger's topics and what happens when a batch cannot be written. */
@Configuration(proxyBeanMethods = false)
class LedgerKafkaConfiguration {

    /** Partitions bound the consumers that can share the work; replication follows the broker's default. */
    static final int PARTITIONS = 6;

    @Bean
    NewTopic usageEventsTopic(BillingProperties properties) {
        return TopicBuilder.name(properties.ledger().topic()).partitions(PARTITIONS).build();
    }

    @Bean
    NewTopic usageEventsDeadLetterTopic(BillingProperties properties) {
        return TopicBuilder.name(properties.ledger().deadLetterTopic()).partitions(1).build();
    }

    /**
     * A batch that fails (the database or the dead-letter topic is down) is retried, every 2 s, for as long as it
     * takes: never skipped, because a skipped batch is lost money. Malformed events never get here; the listener
     * dead-letters them itself.
     */
    @Bean
    DefaultErrorHandler ledgerErrorHandler() {
        return new DefaultErrorHandler(new FixedBackOff(2000, FixedBackOff.UNLIMITED_ATTEMPTS));
    }
}
