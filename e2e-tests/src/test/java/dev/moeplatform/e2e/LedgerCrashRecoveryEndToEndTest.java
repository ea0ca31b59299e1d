package dev.moeplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.testing.Http;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The ledger's promise, on the real jar, Kafka and PostgreSQL: kill billing-service with SIGKILL in the middle of a
 * stream of usage events, start it again, replay some events on top, and the ledger holds every event exactly once,
 * with rollups and cost totals that match what was produced to the last token and micro-dollar.
 */
class LedgerCrashRecoveryEndToEndTest {

    static final int EVENTS = 24_000;
    static final int REPLAYED = 3_000;

    @Test
    void aKilledAndRestartedServiceLedgersEveryEventExactlyOnce() throws Exception {
        // Small polls: many commit points, so the kill lands between a database commit and an offset commit.
        try (LedgerRun run = new LedgerRun("crash_e2e", Map.of("SPRING_KAFKA_CONSUMER_MAX_POLL_RECORDS", "100"))) {
            run.startBilling();
            Http.Response price = run.http().post("/v1/billing/prices/self-hosted", "application/json", """
                    {"model": "%s", "hardwareProfile": "h100", "tokensPerSecond": 1000, "utilisation": 1,
                     "effectiveFrom": "%s"}""".formatted(LedgerRun.MODEL, run.firstEvent()), LedgerRun.asAdmin());
            assertThat(price.status()).as(price.body()).isEqualTo(201);

            run.produce(0, EVENTS);
            long atKill = run.awaitLedgered(EVENTS / 4, Duration.ofSeconds(60));
            run.killBilling();
            long afterKill = run.ledgered();
            assertThat(afterKill).as("the kill came mid-stream").isBetween((long) EVENTS / 4, EVENTS - 1L);

            run.startBilling();
            run.produce(0, REPLAYED); // a producer that retried a whole range: all duplicates
            assertThat(run.awaitLedgered(EVENTS, Duration.ofSeconds(120))).isEqualTo(EVENTS);
            Thread.sleep(2000); // anything still in flight would be a double count: give it time to show

            Map<String, Long> totals = run.totals();
            long prompt = LongStream.range(0, EVENTS).map(i -> run.event(i).promptTokens()).sum();
            long completion = LongStream.range(0, EVENTS).map(i -> run.event(i).completionTokens()).sum();
            assertThat(totals).containsEntry("events", (long) EVENTS).containsEntry("distinctEvents", (long) EVENTS)
                    .containsEntry("rollupRequests", (long) EVENTS).containsEntry("ledgerPromptTokens", prompt)
                    .containsEntry("rollupPromptTokens", prompt).containsEntry("rollupCompletionTokens", completion);

            // h100 at $2.95/h, 1000 tok/s, full utilisation: 0.819444 per 1M tokens for input, cached and output.
            BigDecimal expectedCost = BigDecimal.valueOf(prompt + completion).multiply(new BigDecimal("0.819444"))
                    .movePointLeft(6).setScale(6, RoundingMode.HALF_EVEN);
            JsonNode usage = run.http().get("/v1/billing/usage?tenant=" + LedgerRun.TENANT + "&from="
                    + run.firstEvent() + "&to=" + run.firstEvent().plus(Duration.ofHours(4)), LedgerRun.asAdmin())
                    .json();
            assertThat(usage.get("totals").get("requests").asLong()).isEqualTo(EVENTS);
            assertThat(usage.get("totals").get("costUsd").asString()).isEqualTo(expectedCost.toPlainString());
            assertThat(usage.get("totals").get("unpricedRequests").asLong()).isZero();
            String metrics = run.http().get("/actuator/prometheus").body();
            assertThat(metrics).containsPattern("platform_billing_events_total\\{[^}]*outcome=\"duplicate\"[^}]*} "
                    + "[1-9]");
            System.out.printf("ledger crash test: killed at %d (saw %d), %d events exactly once, cost %s USD%n",
                    afterKill, atKill, totals.get("events"), expectedCost);
        }
    }
}
