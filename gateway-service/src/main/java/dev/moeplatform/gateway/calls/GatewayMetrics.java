package dev.moeplatform.gateway.calls;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * The gateway's own meters for model calls (tenant and model are bounded label sets; keys never are labels). Spring
 * Cloud Gateway adds {@code spring.cloud.gateway.requests} by route and status.
 */
@Component
class GatewayMetrics {

    static final String CALLS = "platform.gateway.calls";
    static final String REJECTIONS = "platform.gateway.rejections";
    static final String OVERHEAD = "platform.gateway.overhead";

    private final MeterRegistry registry;
    private final Timer overhead;

    GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.overhead = Timer.builder(OVERHEAD)
                .description("Time from a model call's arrival to its forwarding upstream: reading the body, auth, "
                        + "limits, budget reservation")
                .publishPercentileHistogram().register(registry);
    }

    /** A call that was forwarded and ended, by its outcome. */
    void call(String tenant, String model, String outcome, int status) {
        Counter.builder(CALLS).description("Model calls forwarded, by tenant, model, outcome and status")
                .tags("tenant", tenant, "model", model, "outcome", outcome, "status", Integer.toString(status))
                .register(registry).increment();
    }

    /** A call the gateway refused itself: {@code rate_limit}, {@code budget}, {@code metering}, {@code model}. */
    void rejected(String tenant, String reason) {
        Counter.builder(REJECTIONS).description("Model calls refused by the gateway, by reason")
                .tags("tenant", tenant, "reason", reason).register(registry).increment();
    }

    void overhead(long nanos) {
        overhead.record(Duration.ofNanos(nanos));
    }
}
