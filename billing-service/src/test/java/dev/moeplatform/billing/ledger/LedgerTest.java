package dev.moeplatform.billing.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.moeplatform.billing.BillingFixture;
import dev.moeplatform.billing.BillingTest;
import dev.moeplatform.billing.BillingTestContext;
import dev.moeplatform.contracts.usage.UsageEvent;
import dev.moeplatform.contracts.usage.UsageTopics;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;

@BillingTest
class LedgerTest {

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrap;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    MeterRegistry meters;

    @Autowired
    BillingFixture billing;


    @Test
    void everyEventIsLedgeredOnceAndTheRollupSumsExactlyTheLedger() {
        String tenant = "ledger-" + UUID.randomUUID();
        // Whole hours, all in the past (600 events 37 s apart span 6.2 hours).
        Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(8));
        List<UsageEvent> events = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            events.add(BillingFixture.event(tenant, i % 3 == 0 ? "search" : "support", i % 2 == 0 ? "m-a" : "m-b",
                    start.plusSeconds(i * 37L), 100 + i, 10 + i % 50, i % 7));
        }
        double ledgeredBefore = counter("ledgered");
        double duplicatesBefore = counter("duplicate");
        billing.publish(events);
        // The same events again (a producer retry, a replay): nothing may change.
        billing.publish(events.subList(0, 150));
        billing.awaitLedgered(tenant, events.size());
        await().atMost(Duration.ofSeconds(30)).until(() -> counter("duplicate") - duplicatesBefore >= 150);

        assertThat(billing.ledgered(tenant)).isEqualTo(600);
        assertThat(counter("ledgered") - ledgeredBefore).isEqualTo(600);
        assertThat(counter("duplicate") - duplicatesBefore).isEqualTo(150);
        Map<String, Object> ledger = jdbc.queryForMap("SELECT count(*) AS n, sum(prompt_tokens) AS p, "
                + "sum(completion_tokens) AS c, sum(cached_tokens) AS k FROM usage_event WHERE tenant = ?", tenant);
        Map<String, Object> rollup = jdbc.queryForMap("SELECT sum(requests) AS n, sum(prompt_tokens) AS p, "
                + "sum(completion_tokens) AS c, sum(cached_tokens) AS k FROM usage_hourly WHERE tenant = ?", tenant);
        assertThat(rollup.values().stream().map(Object::toString).toList())
                .isEqualTo(ledger.values().stream().map(Object::toString).toList());
        assertThat(ledger.get("p").toString()).isEqualTo(Long.toString(events.stream()
                .mapToLong(UsageEvent::promptTokens).sum()));
        // 600 events 37 s apart span 7 hours: one rollup row per hour, team, key and model seen in it.
        assertThat(jdbc.queryForObject("SELECT count(DISTINCT bucket) FROM usage_hourly WHERE tenant = ?", Long.class,
                tenant)).isEqualTo(7);
    }

    @Test
    void malformedEventsGoToTheDeadLetterTopicWithTheReasonAndTheRestIsLedgered() {
        String tenant = "dlt-" + UUID.randomUUID();
        UsageEvent good = BillingFixture.event(tenant, "t", "m-a", Instant.now(), 5, 5, 0);
        String missingTokens = "{\"schemaVersion\":1,\"eventId\":\"" + UUID.randomUUID() + "\",\"occurredAt\":\""
                + Instant.now() + "\",\"tenant\":\"" + tenant + "\",\"team\":\"t\",\"keyId\":\"k\",\"model\":\"m\","
                + "\"backend\":\"native\",\"endpoint\":\"completions\",\"completionTokens\":1,\"cachedTokens\":0,"
                + "\"latencyMs\":1,\"outcome\":\"success\"}";
        UsageEvent badBackend = new UsageEvent(1, UUID.randomUUID().toString(), Instant.now(), tenant, "t", "k", "m",
                "tpu", "completions", 1, 1, 0, 1, "success");
        UsageEvent future = new UsageEvent(1, UUID.randomUUID().toString(), Instant.now().plus(Duration.ofDays(2)),
                tenant, "t", "k", "m", "native", "completions", 1, 1, 0, 1, "success");
        double deadBefore = counter("dead_lettered");
        billing.publishRaw(tenant, "{not json".getBytes(StandardCharsets.UTF_8));
        billing.publishRaw(tenant, missingTokens.getBytes(StandardCharsets.UTF_8));
        billing.publish(List.of(badBackend, future, good));
        billing.awaitLedgered(tenant, 1);

        Map<String, String> reasons = deadLetters(tenant, 4);
        assertThat(reasons.values()).anySatisfy(r -> assertThat(r).startsWith("not a usage event"));
        assertThat(reasons.values()).anySatisfy(r -> assertThat(r).contains("promptTokens"));
        assertThat(reasons.values()).anySatisfy(r -> assertThat(r).contains("backend must be one of"));
        assertThat(reasons.values()).anySatisfy(r -> assertThat(r).contains("is in the future"));
        assertThat(reasons.keySet()).allSatisfy(origin -> assertThat(origin).startsWith(BillingTestContext.TOPIC + "-"));
        await().atMost(Duration.ofSeconds(10)).until(() -> counter("dead_lettered") - deadBefore >= 4);
        assertThat(billing.ledgered(tenant)).isEqualTo(1);
    }

    @Test
    void theLedgerIsAppendOnly() {
        String tenant = "append-" + UUID.randomUUID();
        billing.publish(List.of(BillingFixture.event(tenant, "t", "m-a", Instant.now(), 1, 1, 0)));
        billing.awaitLedgered(tenant, 1);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                jdbc.update("UPDATE usage_event SET prompt_tokens = 0 WHERE tenant = ?", tenant)))
                .hasMessageContaining("append-only");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                jdbc.update("DELETE FROM usage_event WHERE tenant = ?", tenant)))
                .hasMessageContaining("append-only");
    }

    /** Reads the dead-letter topic from the start until {@code expected} letters keyed by the tenant are seen. */
    private Map<String, String> deadLetters(String tenant, int expected) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrap);
        config.put("group.id", "dlt-reader-" + UUID.randomUUID());
        config.put("auto.offset.reset", "earliest");
        Map<String, String> reasons = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(BillingTestContext.DEAD_LETTER_TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (reasons.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (tenant.equals(record.key())) {
                        reasons.put(header(record, UsageTopics.ORIGIN_HEADER), header(record, UsageTopics.REASON_HEADER));
                    }
                }
            }
        }
        assertThat(reasons).hasSize(expected);
        return reasons;
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private double counter(String outcome) {
        var counter = meters.find(LedgerMetrics.EVENTS).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }
}
