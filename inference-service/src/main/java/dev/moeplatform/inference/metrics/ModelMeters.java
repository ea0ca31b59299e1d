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
 * meter up by name. Timers publish Prometheus histograms (aggregate across instances with
 * {@code histogram_quantile}); their buckets are bounded to the range that makes sense for each.
 */
public final class ModelMeters {

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
                .tags(tags).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
        interTokenLatency = Timer.builder(INTER_TOKEN_LATENCY)
                .description("Between two consecutive generated tokens of one choice (one engine step)")
                .tags(tags).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        requestLatency = Timer.builder(REQUEST_LATENCY)
                .description("From a request's arrival to its last token, for requests that completed")
                .tags(tags).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
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
