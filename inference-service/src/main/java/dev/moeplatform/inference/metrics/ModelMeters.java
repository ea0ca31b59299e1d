package dev.moeplatform.inference.metrics;

import static dev.moeplatform.inference.metrics.MetricNames.*;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of one model on one backend, created once and then only incremented: the engine thread never looks a
 * meter up by name. Timers publish Prometheus histograms with a fixed, short list of buckets each (about 15 series,
 * not Micrometer's ~80 default ones), spanning what a CPU MoE engine sees, from milliseconds per token to minutes
 * per request; quantiles come from {@code histogram_quantile} over them, across instances.
 */
public final class ModelMeters {

    static final Duration[] TTFT_BUCKETS = millis(5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000,
            60_000, 120_000, 300_000);
    static final Duration[] INTER_TOKEN_BUCKETS = millis(1, 2.5, 5, 10, 25, 50, 75, 100, 150, 250, 500, 1_000, 2_500,
            5_000);
    static final Duration[] REQUEST_BUCKETS = millis(50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 20_000, 30_000,
            60_000, 120_000, 300_000, 600_000);

    final Timer timeToFirstToken;
    final Timer interTokenLatency;
    final Timer requestLatency;
    final Counter promptTokens;
    final Counter generationTokens;
    private final Map<Outcome, Counter> requests = new EnumMap<>(Outcome.class);
    /** Requests in the batch; kept here because the scheduler counts sequences, not requests. */
    final AtomicInteger runningRequests = new AtomicInteger();
    /** KV cache positions allocated to running sequences. */
    final AtomicLong kvPositions = new AtomicLong();

    ModelMeters(MeterRegistry registry, String model, String backend) {
        Tags tags = Tags.of(TAG_MODEL, model, TAG_BACKEND, backend);
        timeToFirstToken = Timer.builder(TIME_TO_FIRST_TOKEN)
                .description("From a request's arrival (queueing included) to its first generated token")
                .tags(tags).serviceLevelObjectives(TTFT_BUCKETS).register(registry);
        interTokenLatency = Timer.builder(INTER_TOKEN_LATENCY)
                .description("Between two consecutive generated tokens of one choice (one engine step)")
                .tags(tags).serviceLevelObjectives(INTER_TOKEN_BUCKETS).register(registry);
        requestLatency = Timer.builder(REQUEST_LATENCY)
                .description("From a request's arrival to its last token, for requests that completed")
                .tags(tags).serviceLevelObjectives(REQUEST_BUCKETS).register(registry);
        promptTokens = Counter.builder(TOKENS).description("Prompt tokens prefilled and tokens generated")
                .baseUnit("tokens").tags(tags).tag(TAG_KIND, "prompt").register(registry);
        generationTokens = Counter.builder(TOKENS).description("Prompt tokens prefilled and tokens generated")
                .baseUnit("tokens").tags(tags).tag(TAG_KIND, "generation").register(registry);
        for (Outcome outcome : Outcome.values()) {
            requests.put(outcome, Counter.builder(REQUESTS).description("Requests that ended, by outcome")
                    .tags(tags).tag(TAG_OUTCOME, outcome.tag()).register(registry));
        }
        Gauge.builder(REQUESTS_RUNNING, runningRequests, AtomicInteger::get)
                .description("Requests whose sequences are in the engine's batch").tags(tags).register(registry);
    }

    private static Duration[] millis(double... values) {
        Duration[] buckets = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            buckets[i] = Duration.ofNanos(Math.round(values[i] * 1_000_000));
        }
        return buckets;
    }

    void ended(Outcome outcome) {
        requests.get(outcome).increment();
    }

    /** KV positions allocated to running sequences now. */
    public long kvPositions() {
        return kvPositions.get();
    }

    public int runningRequests() {
        return runningRequests.get();
    }
}
