package dev.moeplatform.billing.ledger;

import dev.moeplatform.billing.BillingProperties;
import dev.moeplatform.contracts.usage.UsageEvent;
import dev.moeplatform.contracts.usage.UsageTopics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consumes {@code usage.events} in batches into the ledger. Per batch: refused events are sent to the dead-letter
 * topic (and acknowledged by it), then the valid ones are written in one database transaction, and only when this
 * method returns does the container commit the batch's offsets. A crash anywhere before that commit redelivers the
 * batch, and the ledger's event-id key turns the redelivery into a no-op: every event is ledgered exactly once.
 * A database failure throws, and the error handler retries the same batch until it succeeds (nothing is skipped).
 */
@Component
class UsageEventListener {

    private static final Logger log = LoggerFactory.getLogger(UsageEventListener.class);

    private final LedgerWriter writer;
    private final TransactionTemplate transactions;
    private final KafkaTemplate<String, byte[]> kafka;
    private final LedgerMetrics metrics;
    private final BillingProperties properties;
    private final Clock clock;
    private final ObjectReader events;

    UsageEventListener(LedgerWriter writer, TransactionTemplate transactions, KafkaTemplate<String, byte[]> kafka,
            LedgerMetrics metrics, BillingProperties properties, JsonMapper json) {
        this.writer = writer;
        this.transactions = transactions;
        this.kafka = kafka;
        this.metrics = metrics;
        this.properties = properties;
        this.clock = Clock.systemUTC();
        // Every field is required: a missing token count must not silently become 0.
        this.events = json.readerFor(UsageEvent.class)
                .with(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES,
                        DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                        DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES);
    }

    // idIsGroup = false: the group is spring.kafka.consumer.group-id (BILLING_CONSUMER_GROUP), not the listener id.
    @KafkaListener(id = "usage-ledger", idIsGroup = false,
            topics = "${platform.billing.ledger.topic:" + UsageTopics.USAGE_EVENTS + "}",
            batch = "true")
    void onBatch(List<ConsumerRecord<String, byte[]>> records) {
        Map<String, LedgerEntry> valid = new LinkedHashMap<>();
        int duplicatesInBatch = 0;
        List<CompletableFuture<?>> deadLetters = new ArrayList<>();
        Instant latestAcceptable = clock.instant().plus(properties.ledger().maxClockSkew());
        for (ConsumerRecord<String, byte[]> record : records) {
            String reason = null;
            UsageEvent event = null;
            try {
                event = record.value() == null ? null : events.readValue(record.value());
                if (event == null) {
                    reason = "the message is empty";
                } else if (!event.problems().isEmpty()) {
                    reason = String.join("; ", event.problems());
                } else if (event.occurredAt().isAfter(latestAcceptable)) {
                    reason = "occurredAt " + event.occurredAt() + " is in the future (more than "
                            + properties.ledger().maxClockSkew() + " ahead of this service's clock)";
                }
            } catch (JacksonException notAnEvent) {
                reason = "not a usage event: " + firstLine(notAnEvent.getOriginalMessage());
            }
            if (reason != null) {
                deadLetters.add(deadLetter(record, reason));
            } else if (valid.putIfAbsent(event.eventId(), new LedgerEntry(event, record.partition(),
                    record.offset())) != null) {
                duplicatesInBatch++;
            }
        }
        awaitDeadLetters(deadLetters);
        List<LedgerEntry> entries = List.copyOf(valid.values());
        List<LedgerWriter.Added> added = transactions.execute(
                status -> writer.write(entries, properties.defaultReferenceModel()));
        long inserted = added.stream().mapToLong(LedgerWriter.Added::requests).sum();
        metrics.recorded(added, inserted, entries.size() - inserted + duplicatesInBatch, deadLetters.size());
    }

    private CompletableFuture<?> deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        log.warn("Dead-lettering the usage event at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                reason);
        ProducerRecord<String, byte[]> letter = new ProducerRecord<>(properties.ledger().deadLetterTopic(),
                record.key(), record.value());
        letter.headers().add(UsageTopics.REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        letter.headers().add(UsageTopics.ORIGIN_HEADER,
                (record.topic() + "-" + record.partition() + "@" + record.offset()).getBytes(StandardCharsets.UTF_8));
        return kafka.send(letter);
    }

    /** The batch's offsets must not be committed before its refused events are safely on the dead-letter topic. */
    private static void awaitDeadLetters(List<CompletableFuture<?>> sends) {
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot write to the dead-letter topic; the batch will be retried", e);
        }
    }

    private static String firstLine(String message) {
        String line = message == null ? "unreadable JSON" : message.lines().findFirst().orElse(message);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
