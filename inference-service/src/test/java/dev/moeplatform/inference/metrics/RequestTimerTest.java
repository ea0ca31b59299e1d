package dev.moeplatform.inference.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.engine.TextStream;
import dev.moeplatform.inference.scheduling.SchedulerListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The per-request bookkeeping, without an engine: running requests and KV positions go up and back to zero. */
class RequestTimerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InferenceMetrics metrics = new InferenceMetrics(registry);

    @Test
    void kvPositionsAreReleasedPerChoiceAndAtTheEnd() {
        ModelMeters meters = metrics.meters("m", "native");
        SchedulerListener.RequestObserver request = metrics.observe("m", "native", 12);

        request.started(new int[] {100, 50});
        assertThat(meters.runningRequests()).isEqualTo(1);
        assertThat(meters.kvPositions()).isEqualTo(150);
        request.token(0, null, System.nanoTime());
        request.token(1, TextStream.Finish.STOP, System.nanoTime());
        assertThat(meters.kvPositions()).as("choice 1 is closed").isEqualTo(100);
        request.token(0, null, System.nanoTime());
        request.ended(SchedulerListener.End.CANCELLED);
        request.ended(SchedulerListener.End.CANCELLED); // idempotent

        assertThat(meters.runningRequests()).isZero();
        assertThat(meters.kvPositions()).isZero();
        assertThat(registry.get(MetricNames.TOKENS).tag("kind", "prompt").counter().count()).isEqualTo(12);
        assertThat(registry.get(MetricNames.TOKENS).tag("kind", "generation").counter().count()).isEqualTo(3);
        assertThat(registry.get(MetricNames.REQUESTS).tag("outcome", "cancelled").counter().count()).isEqualTo(1);
        assertThat(registry.get(MetricNames.TIME_TO_FIRST_TOKEN).timer().count()).isEqualTo(1);
        assertThat(registry.get(MetricNames.INTER_TOKEN_LATENCY).timer().count()).as("one gap, in choice 0")
                .isEqualTo(1);
        assertThat(registry.get(MetricNames.REQUEST_LATENCY).timer().count()).as("only completed requests")
                .isZero();
    }

    @Test
    void aRequestThatRanOutOfTokensCountsAsLength() {
        SchedulerListener.RequestObserver request = metrics.observe("m", "native", 3);
        request.started(new int[] {10});
        request.token(0, TextStream.Finish.LENGTH, System.nanoTime());
        request.ended(SchedulerListener.End.COMPLETED);
        metrics.rejected("m", "native");

        assertThat(registry.get(MetricNames.REQUESTS).tag("outcome", "length").counter().count()).isEqualTo(1);
        assertThat(registry.get(MetricNames.REQUESTS).tag("outcome", "rejected").counter().count()).isEqualTo(1);
        assertThat(registry.get(MetricNames.REQUEST_LATENCY).timer().count()).isEqualTo(1);
    }
}
